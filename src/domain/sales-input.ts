import { z } from "zod";
import { BOOKING_STATES } from "./booking-state";
import { instant, queryInt, text } from "./input";

/**
 * The organizer's console queries: their events, and an event's bookings (filters shared by the
 * JSON list and the CSV export). Paging is by an opaque cursor (keyset on created_at, then id), so
 * a page never repeats or skips a row when bookings arrive while the organizer pages.
 */

/** A position in a list ordered newest first: the last row's created_at (ms) and id. */
export interface Cursor { at: number; id: string }

const CURSOR_TEXT = /^[0-9]{1,16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cursor as sent: base64url of `ms.uuid` (opaque to clients). */
export const encodeCursor = (c: Cursor): string =>
  btoa(`${c.at}.${c.id}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

export function decodeCursor(raw: string): Cursor | null {
  let plain: string;
  try {
    plain = atob(raw.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  if (!CURSOR_TEXT.test(plain)) return null;
  const dot = plain.indexOf(".");
  const at = Number(plain.slice(0, dot));
  return Number.isSafeInteger(at) ? { at, id: plain.slice(dot + 1) } : null;
}

export const cursorParam = z.string().max(120).transform((s, ctx) => {
  const c = decodeCursor(s);
  if (!c) {
    ctx.addIssue({ code: "custom", message: "must be a cursor from a previous page" });
    return z.NEVER;
  }
  return c;
});

export const EVENT_STATUSES = ["draft", "published", "cancelled"] as const;

export const organizerEventsQuery = z.strictObject({
  status: z.enum(EVENT_STATUSES).optional(),
  cursor: cursorParam.optional(),
  limit: queryInt(1, 100).default(20),
});

/** Filters of an event's bookings: state, when it was made (`from` inclusive, `to` exclusive), a booking id or part of an e-mail. */
export const bookingFilters = {
  status: z.enum(BOOKING_STATES).optional(),
  from: instant().optional(),
  to: instant().optional(),
  q: text({ max: 200 }).optional().describe("A booking id (exact) or part of the buyer's e-mail (case-insensitive)"),
};

const rangeInOrder = (b: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx) => {
  if (b.from && b.to && Date.parse(b.to) <= Date.parse(b.from)) ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
};

export const eventBookingsQuery = z.strictObject({ ...bookingFilters, cursor: cursorParam.optional(), limit: queryInt(1, 200).default(50) })
  .superRefine(rangeInOrder);

export const bookingsExportQuery = z.strictObject(bookingFilters).superRefine(rangeInOrder);
export type BookingFilters = z.output<typeof bookingsExportQuery>;
