/**
 * The envelope data the notifier reads, one zod schema per event type it consumes (local to the
 * notifier until the bus gets one typed catalogue). Fields the notifier does not use are not
 * required, so producers may add to them freely; what does not parse is logged and skipped.
 */
import { z } from "zod";
import { amountSchema, currencySchema } from "../../src/domain/money";
import type { Envelope } from "../../src/domain/envelope";
import { makeLogger } from "../../src/log";

/** Ids as Postgres stores them (any UUID layout); seat and area names as the seat map allows. */
const id = z.guid();
const itemId = z.string().min(1).max(64);
const reason = z.string().max(100);

/** A booking as the EventRoom announces it (BookingView plus the transition's reason). */
const bookingFields = {
  booking_id: id,
  event_id: id,
  user_id: id,
  seats: z.array(itemId).max(200).optional(),
  area: itemId.nullish(),
  quantity: z.number().int().min(1).max(10_000).nullish(),
  items: z.array(z.object({ item_id: itemId, kind: z.enum(["seat", "area"]), quantity: z.number().int().min(1).max(10_000) })).max(200).optional(),
  total_amount: amountSchema,
  currency: currencySchema,
  reason: reason.optional(),
};
export const bookingChange = z.object(bookingFields);
export type BookingChange = z.output<typeof bookingChange>;

/**
 * RefundProcessed comes in two shapes: a refunded booking (the booking view, status "refunded",
 * with the refund's reason), or money returned for a payment we could not honour (outcome
 * "refunded_without_sale", with the booking's status at the time).
 */
export const refundProcessed = z.object({
  booking_id: id,
  event_id: id,
  user_id: id,
  payment_intent_id: z.string().min(1).max(255).nullish(),
  amount: amountSchema.optional(),
  total_amount: amountSchema.optional(),
  currency: currencySchema,
  reason: reason.optional(),
  outcome: z.string().max(100).optional(),
  booking_status: z.string().max(40).optional(),
  seats: bookingFields.seats,
  area: bookingFields.area,
  quantity: bookingFields.quantity,
  items: bookingFields.items,
}).transform((d, ctx) => {
  // The refunded booking's view names its total; a payment refunded without a sale, its amount.
  const amount = d.amount ?? d.total_amount;
  if (amount === undefined) {
    ctx.addIssue({ code: "custom", message: "amount or total_amount is required", path: ["amount"] });
    return z.NEVER;
  }
  return { ...d, amount };
});
export type RefundData = z.output<typeof refundProcessed>;

const isoDate = z.iso.datetime({ offset: true });

/** EventCancelled / EventUpdated: the event's view, and for a date move the producer's extra fields. */
export const eventChange = z.object({
  event_id: id,
  start_date: isoDate,
  refund_window_hours: z.number().int().min(0).max(24 * 365).optional(),
  /** Only when the start date moved. */
  previous_start_date: isoDate.optional(),
  /** Until when buyers may ask for their own refund after this change. */
  refund_closes_at: isoDate.optional(),
});
export type EventChange = z.output<typeof eventChange>;

export type Parsed<T> = { ok: true; data: T } | { ok: false; error: string };

export function parseData<T>(schema: z.ZodType<T>, e: Envelope): Parsed<T> {
  const r = schema.safeParse(e.data);
  return r.success ? { ok: true, data: r.data } : { ok: false, error: z.prettifyError(r.error) };
}

const log = makeLogger({ consumer: "notifier" }, process.env.LOG_LEVEL);

/** Logs and skips a message whose data is not what its type promises: retrying could never help. */
export function skipInvalid(e: Envelope, error: string): string {
  log.warn("skipping a message the notifier cannot read", { message_id: e.event_id, event_type: e.event_type, error });
  return "ignored:invalid";
}
