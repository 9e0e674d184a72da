import { z } from "zod";
import { BOOKING_STATES } from "../domain/booking-state";
import { admissionTokenHeader, createBookingBody, idempotencyKeyHeader, listBookingsQuery } from "../domain/booking-input";
import { currencySchema } from "../domain/money";
import { amountOut, bookingIdParams, idOut, instantOut } from "./common";
import { BEARER, json, jsonBody, operation, problem, rateLimited, signedIn, withDatabase, withJsonBody, withQuery } from "./operation";

/** Holds, bookings and their payments: /api/bookings. */

/** A PaymentIntent's status as the provider reports it, or our record's (`requires_payment`, `failed`, `refund_pending`, `refunded`). */
export const paymentStatusSchema = z.enum([
  "requires_payment_method", "requires_confirmation", "requires_action", "processing", "requires_capture", "succeeded", "canceled",
  "requires_payment", "failed", "refund_pending", "refunded",
]);

export const paymentViewSchema = z.strictObject({
  payment_intent_id: z.string(),
  status: paymentStatusSchema,
  client_secret: z.string().nullable().optional().describe("For the payment form (Stripe.js), on a new hold"),
  checkout_url: z.string().optional().describe("The simulator's test checkout page (local development only)"),
}).meta({ id: "Payment" });

export const bookingSchema = z.strictObject({
  booking_id: idOut,
  event_id: idOut,
  user_id: idOut,
  status: z.enum(BOOKING_STATES).describe("A hold whose time ran out reads `expired` at once"),
  seats: z.array(z.string()).describe("Reserved seats (`A-1-3`); empty for general admission"),
  area: z.string().optional(),
  quantity: z.int().min(1).optional(),
  items: z.array(z.strictObject({ item_id: z.string(), kind: z.enum(["seat", "area"]), quantity: z.int().min(1), unit_price: amountOut })),
  total_amount: amountOut,
  currency: currencySchema,
  expires_at: instantOut.describe("When the hold lapses unless paid"),
  created_at: instantOut,
  refund_closes_at: instantOut.nullable().optional().describe("Until when the buyer may ask for a refund of their own (null while unknown)"),
  payment: paymentViewSchema.nullable(),
}).meta({ id: "Booking" });

export const bookingListSchema = z.strictObject({ bookings: z.array(bookingSchema), page: z.int().min(1), page_size: z.int().min(1) });

export const createBookingHeaders = z.object({
  "Idempotency-Key": idempotencyKeyHeader.optional().describe("A retry with the same key and body answers with the same booking (as it is now)"),
  "Admission-Token": admissionTokenHeader.optional().describe("The waiting room's admission token, when the event has a waiting room"),
});

const TAGS = ["Bookings"];
const USER = { security: BEARER, "x-roles": ["user" as const] };
const notFound = { 404: problem(404, ["not_found"]) };

export const bookingOperations = {
  create: operation({
    method: "post", path: "/api/bookings", operationId: "createBooking", tags: TAGS, ...USER,
    summary: "Hold seats (or places in an area) and start their payment",
    description: "Send `{event_id, seat_ids}` or `{event_id, area, quantity}`. The hold lasts `HOLD_TTL_SECONDS` (600 by default) unless paid. "
      + "Rate limited per account and per IP. With a waiting room on, the `Admission-Token` is required.",
    request: { headers: createBookingHeaders, body: jsonBody(createBookingBody) },
    responses: {
      201: {
        ...json(bookingSchema, "The hold, with `payment` to pay it; a replay (same `Idempotency-Key`) is the booking as it is now"),
        headers: { "Idempotent-Replayed": { description: "`true` on a replay", schema: { type: "string" as const } } },
      },
      ...withJsonBody,
      ...signedIn,
      403: problem(403, ["forbidden", "queue_required", "admission_expired"]),
      404: problem(404, ["event_not_on_sale"]),
      409: problem(409, ["event_not_on_sale", "seats_unavailable", "hold_limit_reached", "sales_closed"]),
      422: problem(422, ["validation_failed", "too_many_seats", "unknown_seats", "unknown_area", "idempotency_key_reused"]),
      ...rateLimited,
      500: problem(500, ["internal_error"]),
      503: problem(503, ["payment_provider_missing", "payment_unavailable", "database_unavailable"]),
    },
  }),
  list: operation({
    method: "get", path: "/api/bookings", operationId: "listBookings", tags: TAGS, ...USER,
    summary: "My bookings, newest first",
    request: { query: listBookingsQuery },
    responses: { 200: json(bookingListSchema, "A page of bookings"), ...withQuery, ...signedIn, ...withDatabase },
  }),
  get: operation({
    method: "get", path: "/api/bookings/{id}", operationId: "getBooking", tags: TAGS, ...USER,
    summary: "A booking (its buyer's, or its event's organizer's)",
    request: { params: bookingIdParams },
    responses: { 200: json(bookingSchema, "The booking"), ...signedIn, ...notFound, ...withDatabase },
  }),
  cancel: operation({
    method: "post", path: "/api/bookings/{id}/cancel", operationId: "cancelBooking", tags: TAGS, ...USER,
    summary: "Release a hold (idempotent)",
    request: { params: bookingIdParams },
    responses: {
      200: json(bookingSchema, "The cancelled booking"), ...signedIn, ...notFound,
      409: problem(409, ["illegal_transition"]), ...withDatabase,
    },
  }),
};
