import { z } from "zod";
import { int, queryInt, uuid } from "./input";
import { label } from "./seat-map";

/** Requests of /api/bookings. */
const seatIdPattern = /^[A-Za-z0-9가-힣]{1,12}-[A-Za-z0-9가-힣]{1,12}-[0-9]{1,4}$/;

export const createBookingBody = z.union([
  z.strictObject({
    event_id: uuid,
    seat_ids: z.array(z.string().regex(seatIdPattern, "must read SECTION-ROW-NUMBER")).min(1, "pick at least one seat").max(50)
      .refine((ids) => new Set(ids).size === ids.length, "must not repeat a seat"),
  }),
  z.strictObject({ event_id: uuid, area: label("area"), quantity: int(1, 50) }),
], { error: "send {event_id, seat_ids} or {event_id, area, quantity}" });

/** `Idempotency-Key`: a client's retry key, printable ASCII. */
export const idempotencyKeyHeader = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "must be printable ASCII");

/** `Admission-Token`: the waiting room's signed token, a compact JWS (its signature is checked after this). */
export const admissionTokenHeader = z.string().max(4096, "is too long").regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "must be a token from the waiting room");

export const listBookingsQuery = z.strictObject({ page: queryInt(1, 10_000).default(1), page_size: queryInt(1, 100).default(20) });
