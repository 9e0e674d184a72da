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
  client_secret: z.string().nullable().optional().describe("For the payment form (Stripe.js); only in the answer of `POST /api/bookings/{id}/payment`"),
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
  payment: paymentViewSchema.nullable().describe("The booking's PaymentIntent as last known; null until the buyer opens checkout (`POST /api/bookings/{id}/payment`)"),
}).meta({ id: "Booking" });

/** What a buyer needs to pay a hold: the intent, its client secret, and (simulator only) the test checkout page. */
export const checkoutSchema = z.strictObject({
  booking_id: idOut,
  payment_intent_id: z.string(),
  status: paymentStatusSchema,
  client_secret: z.string().nullable().describe("For Stripe.js (`stripe.confirmPayment`)"),
  checkout_url: z.string().optional().describe("The simulator's test checkout page (local development only)"),
  expires_at: instantOut.describe("When the hold lapses unless paid"),
  provider: z.enum(["stripe", "simulator"]).describe("Who takes the payment: Stripe (pay with Stripe.js and `client_secret`) or the local simulator"),
  publishable_key: z.string().nullable().describe("Stripe's publishable key for Stripe.js (`STRIPE_PUBLISHABLE_KEY`); null with the simulator or when none is configured"),
}).meta({ id: "Checkout" });

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
    summary: "Hold seats (or places in an area)",
    description: "Send `{event_id, seat_ids}` or `{event_id, area, quantity}`. The hold lasts `HOLD_TTL_SECONDS` (600 by default) unless paid. "
      + "The answer does not wait for the payment provider: a new hold has `payment: null`, and the buyer opens checkout with "
      + "`POST /api/bookings/{id}/payment`, which creates its PaymentIntent and returns the client secret. "
      + "The booking is readable (`GET /api/bookings/{id}`) by its buyer as soon as this answers. "
      + "Rate limited per account and per IP. With a waiting room on, the `Admission-Token` is required.",
    request: { headers: createBookingHeaders, body: jsonBody(createBookingBody) },
    responses: {
      201: {
        ...json(bookingSchema, "The hold (`payment: null` until checkout is opened); a replay (same `Idempotency-Key`) is the booking as it is now, with its payment if one was started"),
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
  pay: operation({
    method: "post", path: "/api/bookings/{id}/payment", operationId: "startBookingPayment", tags: TAGS, ...USER,
    summary: "Open checkout for a hold: its PaymentIntent and client secret",
    description: "Creates the hold's PaymentIntent at the provider (or, on any later call, returns the same one: the provider's idempotency key is the booking id, "
      + "so concurrent calls get one intent). Only the buyer may call it, while the booking is a hold (`reserved`). "
      + "With the simulator (local development) the answer also has `checkout_url`, the test checkout page. "
      + "If the provider cannot be reached the answer is 503 `payment_unavailable` with `Retry-After`; the hold is kept until it expires, so retry.",
    request: { params: bookingIdParams },
    responses: {
      200: json(checkoutSchema, "The intent to pay the hold with"), ...signedIn, ...notFound,
      409: problem(409, ["booking_not_payable"]),
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
