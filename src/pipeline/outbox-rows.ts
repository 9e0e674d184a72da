import { outbox } from "../db/schema";
import type { OutboxMessage } from "./envelope";

/** The Postgres outbox row for a message: one shape whether the Worker or an EventRoom wrote it. */
export function outboxRow(m: OutboxMessage): typeof outbox.$inferInsert {
  return { messageId: m.envelope.event_id, topic: m.topic, aggregateId: m.key, eventType: m.envelope.event_type, envelope: m.envelope };
}
