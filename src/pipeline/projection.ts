/**
 * The one writer of bookings, booking_items, tickets and payments, and of seat and area status:
 * messages are recorded in the Postgres outbox and applied in the same transaction. Every
 * producer goes through `recordMessages` (the EventRoom's flush, the payment settlement), so a
 * change reaches Postgres and the bus together, once.
 *
 * The applying is the Postgres function `record_outbox_messages` (migrations/0007_outbox_batches.sql):
 * a batch is one statement, so one round trip however many messages and tables it touches (the
 * room's flush used to spend a round trip per statement and per payment message, and fell seconds
 * behind a sale). Each table is written by one set-based statement that folds the batch in order
 * (a hold then its release leaves the seat available).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Logger } from "../log";
import { parseMessage } from "./catalogue";
import type { OutboxMessage } from "./envelope";

/**
 * Records messages now: each in the Postgres outbox (which the Kafka bridge publishes) and its
 * effect on the tables, in one transaction. The message id is the idempotency key: a message
 * already in the outbox was applied in the same transaction, so a retried batch, or one that
 * partly overlaps an earlier one, changes nothing twice; a message older than the state it would
 * overwrite (out of order) leaves it alone. A message whose data does not fit its type is
 * recorded as it is (so nothing is lost) but changes no table; it is logged.
 */
export async function recordMessages(db: Db, messages: OutboxMessage[], log?: Logger): Promise<{ applied: number; duplicates: number }> {
  if (!messages.length) return { applied: 0, duplicates: 0 };
  const batch = messages.map((m) => {
    const parsed = parseMessage(m.envelope);
    if (!parsed.ok) log?.warn("message recorded without effect: its data does not fit its type", { message_id: m.envelope.event_id, event_type: m.envelope.event_type, error: parsed.error });
    return { topic: m.topic, key: m.key, envelope: m.envelope, effect: parsed.ok };
  });
  const r = await db.execute<{ applied: number }>(sql`SELECT record_outbox_messages(${JSON.stringify(batch)}::jsonb) AS applied`);
  const applied = Number(r.rows[0]?.applied ?? 0);
  return { applied, duplicates: messages.length - applied };
}
