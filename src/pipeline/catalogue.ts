/**
 * The one catalogue of messages on the bus: each type's topic and payload schema. Producers make
 * messages with `makeMessage`, which checks the payload (a missing or wrong field throws at the
 * producer, before anything is written); consumers read them with `parseMessage`, which gives a
 * union discriminated by type with typed data. Topics are keyed by the aggregate id, so one
 * booking's or event's messages stay in order.
 */
import { z } from "zod";
import type { Envelope, OutboxMessage } from "./envelope";
import {
  bookingChange, bookingView, eventSnapshot, inventoryDelta, inventoryMove, paymentFacts, providerName, ticketInfo, ticketRecord, unmatchedPayment,
} from "./payloads";
import { BOOKING_STATES } from "../domain/booking-state";

export const TOPICS = ["booking-events", "payment-events", "event-events", "inventory-events", "ticket-events"] as const;
export type Topic = (typeof TOPICS)[number];

const bookingStatus = z.enum(BOOKING_STATES);
const intentId = paymentFacts.shape.payment_intent_id;

const paymentSucceeded = paymentFacts.extend({ provider: providerName, booking_status: bookingStatus });
const eventUpdated = eventSnapshot.extend({ previous_start_date: eventSnapshot.shape.start_date.optional() });

export const CATALOGUE = {
  BookingCreated: { topic: "booking-events", payload: bookingView },
  BookingConfirmed: { topic: "booking-events", payload: bookingChange.extend({ tickets: z.array(ticketInfo) }) },
  BookingCancelled: { topic: "booking-events", payload: bookingChange },
  BookingExpired: { topic: "booking-events", payload: bookingChange },
  PaymentIntentCreated: { topic: "payment-events", payload: paymentFacts.extend({ provider: providerName }) },
  PaymentSucceeded: {
    topic: "payment-events",
    payload: z.discriminatedUnion("outcome", [
      paymentSucceeded.extend({ outcome: z.enum(["confirmed", "confirmed_late"]) }),
      /** Money the room could not honour: it is refunded, for this reason. */
      paymentSucceeded.extend({ outcome: z.literal("refund_queued"), reason: bookingChange.shape.reason }),
    ]),
  },
  PaymentFailed: {
    topic: "payment-events",
    payload: paymentFacts.extend({ booking_status: bookingStatus, outcome: z.enum(["booking_cancelled", "ignored"]) }),
  },
  /**
   * Two shapes: a refunded booking (its view, status "refunded", the refund's reason and the
   * intent that paid it), or money returned for a payment the room could not honour (the
   * payment's facts, with the booking's status at the time).
   */
  RefundProcessed: {
    topic: "payment-events",
    payload: z.union([
      bookingChange.extend({ status: z.literal("refunded"), payment_intent_id: intentId.nullable() }),
      paymentFacts.extend({ outcome: z.literal("refunded_without_sale"), booking_status: bookingStatus, refund_id: z.string().max(255).nullable() }),
    ]),
  },
  /** Money for no booking we know: refunded at once (payments/settle.ts). */
  UnmatchedPaymentReceived: { topic: "payment-events", payload: unmatchedPayment },
  UnmatchedPaymentRefunded: {
    topic: "payment-events",
    payload: z.object({ payment_intent_id: intentId, refund_id: z.string().max(255).nullable(), amount: paymentFacts.shape.amount, currency: paymentFacts.shape.currency }),
  },
  /** The provider canceled an intent that never got its webhook (found by reconciliation). */
  PaymentCanceled: { topic: "payment-events", payload: z.object({ payment_intent_id: intentId, booking_id: paymentFacts.shape.booking_id.nullable() }) },
  EventCreated: { topic: "event-events", payload: eventSnapshot },
  EventPublished: { topic: "event-events", payload: eventSnapshot },
  /** `previous_start_date` only when the start date moved. */
  EventUpdated: { topic: "event-events", payload: eventUpdated },
  EventCancelled: { topic: "event-events", payload: eventSnapshot },
  SeatsReserved: { topic: "inventory-events", payload: inventoryDelta },
  SeatsConfirmed: { topic: "inventory-events", payload: inventoryMove },
  SeatsReleased: { topic: "inventory-events", payload: inventoryMove },
  /**
   * Tickets, keyed by ticket id (one ticket's story in order), each with the whole ticket record.
   * Issued: a confirmed booking's ticket. Transferred: to another account (the sender's cores are
   * revoked; `core_floor` is the lowest core version that still admits). Revoked: refunded or
   * cancelled, admits nobody. Checked in: its first entry (a re-entry is not a new record).
   */
  TicketIssued: { topic: "ticket-events", payload: ticketRecord },
  TicketTransferred: {
    topic: "ticket-events",
    payload: ticketRecord.extend({ from_user_id: ticketRecord.shape.holder_id, transferred_at: ticketRecord.shape.issued_at, core_floor: z.number().int().min(1) }),
  },
  TicketRevoked: { topic: "ticket-events", payload: ticketRecord.extend({ reason: bookingChange.shape.reason }) },
  TicketCheckedIn: { topic: "ticket-events", payload: ticketRecord.extend({ gate_id: z.string().min(1).max(64) }) },
} as const satisfies Record<string, { topic: Topic; payload: z.ZodType<Record<string, unknown>> }>;

export type MessageType = keyof typeof CATALOGUE;
/** What a producer passes for a type, and what a consumer reads. */
export type PayloadInput<T extends MessageType> = z.input<(typeof CATALOGUE)[T]["payload"]>;
export type Payload<T extends MessageType> = z.output<(typeof CATALOGUE)[T]["payload"]>;

export const isMessageType = (v: unknown): v is MessageType => typeof v === "string" && Object.hasOwn(CATALOGUE, v);
export const messageType = z.custom<MessageType>(isMessageType, "must be a message type of the catalogue");

/** The payload failed its type's schema: nothing was written. */
export class InvalidMessage extends Error {
  override readonly name = "InvalidMessage";
  constructor(readonly type: string, readonly issues: string) {
    super(`${type}: ${issues}`);
  }
}

/**
 * A message ready for an outbox. The payload is checked against its type's schema (and stored as
 * parsed: fields the schema does not know are dropped), so what goes out is what consumers read.
 */
export function makeMessage<T extends MessageType>(
  type: T,
  key: string,
  data: PayloadInput<T>,
  meta: { correlationId: string; causationId?: string | null; now?: Date },
): OutboxMessage {
  const schema: z.ZodType<Record<string, unknown>> = CATALOGUE[type].payload;
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new InvalidMessage(type, z.prettifyError(parsed.error));
  return {
    topic: CATALOGUE[type].topic,
    key,
    envelope: {
      event_id: crypto.randomUUID(),
      event_type: type,
      timestamp: (meta.now ?? new Date()).toISOString(),
      version: "1.0",
      data: parsed.data,
      metadata: { correlation_id: meta.correlationId, causation_id: meta.causationId ?? null },
    },
  };
}

/** A type with its payload schema (the compiler checks that the schema is the catalogue's for that type). */
const typed = <T extends MessageType>(type: T, data: (typeof CATALOGUE)[T]["payload"]) => z.object({ event_type: z.literal(type), data });

/** Every type with its payload, told apart by `event_type`. */
const typedMessage = z.discriminatedUnion("event_type", [
  typed("BookingCreated", CATALOGUE.BookingCreated.payload),
  typed("BookingConfirmed", CATALOGUE.BookingConfirmed.payload),
  typed("BookingCancelled", CATALOGUE.BookingCancelled.payload),
  typed("BookingExpired", CATALOGUE.BookingExpired.payload),
  typed("PaymentIntentCreated", CATALOGUE.PaymentIntentCreated.payload),
  typed("PaymentSucceeded", CATALOGUE.PaymentSucceeded.payload),
  typed("PaymentFailed", CATALOGUE.PaymentFailed.payload),
  typed("RefundProcessed", CATALOGUE.RefundProcessed.payload),
  typed("UnmatchedPaymentReceived", CATALOGUE.UnmatchedPaymentReceived.payload),
  typed("UnmatchedPaymentRefunded", CATALOGUE.UnmatchedPaymentRefunded.payload),
  typed("PaymentCanceled", CATALOGUE.PaymentCanceled.payload),
  typed("EventCreated", CATALOGUE.EventCreated.payload),
  typed("EventPublished", CATALOGUE.EventPublished.payload),
  typed("EventUpdated", CATALOGUE.EventUpdated.payload),
  typed("EventCancelled", CATALOGUE.EventCancelled.payload),
  typed("SeatsReserved", CATALOGUE.SeatsReserved.payload),
  typed("SeatsConfirmed", CATALOGUE.SeatsConfirmed.payload),
  typed("SeatsReleased", CATALOGUE.SeatsReleased.payload),
  typed("TicketIssued", CATALOGUE.TicketIssued.payload),
  typed("TicketTransferred", CATALOGUE.TicketTransferred.payload),
  typed("TicketRevoked", CATALOGUE.TicketRevoked.payload),
  typed("TicketCheckedIn", CATALOGUE.TicketCheckedIn.payload),
]);
type TypedPart = z.output<typeof typedMessage>;
// Compile-time check: the union above names every type of the catalogue.
const everyTypeParsed: [Exclude<MessageType, TypedPart["event_type"]>] extends [never] ? true : never = true;
void everyTypeParsed;

/** An envelope whose data is its type's payload. */
export type Message = Omit<Envelope, "event_type" | "data"> & TypedPart;
export type MessageOf<T extends MessageType> = Extract<Message, { event_type: T }>;

export type ParsedMessage = { ok: true; message: Message } | { ok: false; error: string };

/** The envelope with its data checked against its type's schema; a consumer logs and skips what fails. */
export function parseMessage(e: Envelope): ParsedMessage {
  const r = typedMessage.safeParse({ event_type: e.event_type, data: e.data });
  if (!r.success) return { ok: false, error: z.prettifyError(r.error) };
  return { ok: true, message: { event_id: e.event_id, timestamp: e.timestamp, version: e.version, metadata: e.metadata, ...r.data } };
}
