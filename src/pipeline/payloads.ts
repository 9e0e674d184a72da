/**
 * The parts message payloads are made of, each defined once: a booking as the EventRoom shows
 * it, an inventory change, the facts of a payment, an event as the Worker shows it. The catalogue
 * (catalogue.ts) assembles them per message type; the room's contract types are inferred from
 * them, so a renamed field fails to compile instead of silently breaking a consumer.
 */
import { z } from "zod";
import { BOOKING_STATES } from "../domain/booking-state";
import { amountSchema, currencySchema } from "../domain/money";

/** Ids as Postgres stores them (any UUID layout). */
const id = z.guid();
const instant = z.iso.datetime({ offset: true });
/** A seat id ("A-1-3"), an area name, or a place of an area ("FLOOR#2"). */
const itemId = z.string().min(1).max(64);
const count = z.number().int().min(1).max(1_000_000);
/** Why something happened, as a stable code ("payment_failed", "event_cancelled", …). */
const reason = z.string().min(1).max(100);

export const providerName = z.enum(["stripe", "simulator"]);
/** Currencies as payments report them (upper-cased): possibly one we do not sell in, when the money is wrong. */
const paidCurrency = z.string().regex(/^[A-Z]{3}$/, "must be an upper-case ISO 4217 code");
const intentId = z.string().min(1).max(255);
const paidAmount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const bookingItem = z.object({ item_id: itemId, kind: z.enum(["seat", "area"]), quantity: count, unit_price: amountSchema });

/** A booking as the EventRoom shows it (and announces it). */
export const bookingView = z.object({
  booking_id: id,
  event_id: id,
  user_id: id,
  status: z.enum(BOOKING_STATES),
  seats: z.array(itemId),
  area: itemId.optional(),
  quantity: count.optional(),
  items: z.array(bookingItem).min(1),
  total_amount: amountSchema,
  currency: currencySchema,
  expires_at: instant,
  created_at: instant,
  /** Until when the buyer may ask for a refund of their own (null if the room has no terms yet). */
  refund_closes_at: instant.nullish(),
});

export const ticketInfo = z.object({ ticket_id: id, item_id: itemId });

/**
 * A ticket as the EventRoom records it, sent whole with every ticket message: who holds it, whether
 * it still admits, whether it was used. `revision` grows with every change of the ticket in its
 * room, so a reader keeps the highest revision it has seen: messages twice or out of order
 * converge on the same state (Postgres's projection does exactly that).
 */
export const ticketRecord = z.object({
  ticket_id: id,
  event_id: id,
  booking_id: id,
  item_id: itemId,
  holder_id: id,
  status: z.enum(["valid", "void"]),
  revision: z.number().int().min(1),
  issued_at: instant,
  checked_in_at: instant.nullable(),
});

/**
 * A booking's change of state, with why it happened. The room sends its whole view; consumers
 * need only who, what state and how much, so how it is held (items, or seats and area) and its
 * times may be absent (older and hand-made messages): a consumer falls back to Postgres for them.
 */
export const bookingChange = bookingView.partial({ seats: true, items: true, expires_at: true, created_at: true }).extend({ reason });

/** Seats (by id) or places of one area that changed hands; `from` says what a release or a sale undid. */
export const inventoryDelta = z.object({
  event_id: id,
  booking_id: id,
  seat_ids: z.array(itemId),
  area: itemId.nullable(),
  quantity: count.nullable(),
});
export const inventoryMove = inventoryDelta.extend({ from: z.enum(["held", "sold"]) });

/** What a payment was: for which booking, which intent, how much. */
export const paymentFacts = z.object({
  booking_id: id,
  event_id: id,
  user_id: id,
  payment_intent_id: intentId,
  amount: paidAmount,
  currency: paidCurrency,
});

/** Money that reached no booking (unknown, or not ours to honour): its refund is under way. */
export const unmatchedPayment = z.object({
  payment_intent_id: intentId,
  provider: providerName,
  amount: paidAmount,
  currency: paidCurrency,
  booking_id: id.nullable(),
  event_id: id.nullable(),
  reason,
});

/** An event as the Worker shows it, without its seat map. */
export const eventSnapshot = z.object({
  event_id: id,
  organizer_id: id,
  title: z.string(),
  description: z.string(),
  category: z.string(),
  venue: z.string(),
  location: z.string(),
  start_date: instant,
  end_date: instant.nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  status: z.enum(["draft", "published", "cancelled"]),
  refund_window_hours: z.number().int().min(0),
  rescheduled_at: instant.nullable(),
  /** Until when buyers may refund (absent from older messages: consumers then apply the refund-window rule). */
  refund_closes_at: instant.optional(),
  min_price: amountSchema,
  max_price: amountSchema,
  total_seats: z.number().int().min(0),
  created_at: instant,
  updated_at: instant,
});
