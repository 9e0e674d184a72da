import { z } from "zod";

/** The bus envelope from the seed, and which topic each event type belongs to. */
export const TOPIC_OF = {
  BookingCreated: "booking-events",
  BookingConfirmed: "booking-events",
  BookingCancelled: "booking-events",
  BookingExpired: "booking-events",
  PaymentIntentCreated: "payment-events",
  PaymentSucceeded: "payment-events",
  PaymentFailed: "payment-events",
  RefundProcessed: "payment-events",
  EventCreated: "event-events",
  EventPublished: "event-events",
  EventUpdated: "event-events",
  EventCancelled: "event-events",
  SeatsReserved: "inventory-events",
  SeatsConfirmed: "inventory-events",
  SeatsReleased: "inventory-events",
} as const;
export type EventType = keyof typeof TOPIC_OF;
export type Topic = (typeof TOPIC_OF)[EventType];

export const envelopeSchema = z.object({
  event_id: z.uuid(),
  event_type: z.enum(Object.keys(TOPIC_OF) as [EventType, ...EventType[]]),
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

export function makeMessage(
  eventType: EventType,
  key: string,
  data: Record<string, unknown>,
  meta: { correlationId: string; causationId?: string | null; now?: Date },
): OutboxMessage {
  return {
    topic: TOPIC_OF[eventType],
    key,
    envelope: {
      event_id: crypto.randomUUID(),
      event_type: eventType,
      timestamp: (meta.now ?? new Date()).toISOString(),
      version: "1.0",
      data,
      metadata: { correlation_id: meta.correlationId, causation_id: meta.causationId ?? null },
    },
  };
}
