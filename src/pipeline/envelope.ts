import { z } from "zod";
import { messageType, TOPICS, type Topic } from "./catalogue";

/**
 * The bus envelope from the seed. `data` is checked per type by the catalogue (`makeMessage` at
 * the producer, `parseMessage` at the consumer); here only the frame.
 */
export const envelopeSchema = z.object({
  event_id: z.uuid(),
  event_type: messageType,
  timestamp: z.iso.datetime(),
  version: z.string(),
  data: z.record(z.string(), z.unknown()),
  metadata: z.object({ correlation_id: z.string(), causation_id: z.string().nullable() }),
});
export type Envelope = z.output<typeof envelopeSchema>;

/** A message ready for an outbox: the envelope plus where and under which key it goes. */
export interface OutboxMessage {
  envelope: Envelope;
  topic: Topic;
  key: string;
}

/** An outbox message as stored (the EventRoom keeps them as JSON until Postgres has them). */
export const outboxMessageSchema = z.object({ envelope: envelopeSchema, topic: z.enum(TOPICS), key: z.string().min(1) });
