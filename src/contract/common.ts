import { z } from "zod";
import { uuid } from "../domain/input";

/** Building blocks of response bodies (requests use src/domain/input.ts). */

/** An instant as the API writes it: ISO 8601 in UTC (`2027-03-01T10:00:00.000Z`). */
export const instantOut = z.iso.datetime();

/** An id as the API writes it: a lowercase UUID. */
export const idOut = z.uuid();

/** An amount in minor units (KRW has none: ₩150,000 is `150000`). */
export const amountOut = z.int().min(0);

export const count = z.int().min(0);

/** Path parameters: each a UUID (anything else names nothing, so it is a 404, not a 422). */
export const eventIdParams = z.object({ id: uuid.describe("The event's id") });
export const bookingIdParams = z.object({ id: uuid.describe("The booking's id") });
export const queueEventParams = z.object({ event_id: uuid.describe("The event's id") });
export const refundParams = z.object({ booking_id: uuid.describe("The booking's id") });
