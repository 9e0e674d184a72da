/**
 * The edge's copies of each event's public reads (src/routes/event-reads.ts serves them).
 *
 * - Seat map: at most 1 s old, for everyone (the buyer who just took a seat too): refilling asks
 *   the room only "changed since version v?" (a small answer when not), so an idle event costs
 *   the room one tiny call a second per isolate, and a selling one one map a second. Holds and
 *   payments do not drop the copy: in an isolate that also takes bookings, that would refill it
 *   after every booking and put the readers back on the room (and another isolate's copy would
 *   not hear of it anyway).
 * - Event page: at most 5 s old. Its version is the row's updated_at, which only Postgres knows,
 *   so a copy cannot be checked without the read it saves; its edits (title, dates, cancellation)
 *   are rare, so an organizer's change drops this isolate's copies at once (`eventChanged`), and
 *   the room enforces the sale's state whatever a stale page says. Drafts are never kept.
 */
import type { events } from "../db/schema";
import type { Currency } from "../domain/money";
import { ReadCache } from "./read-cache";

export const SEAT_MAP_TTL_MS = 1000;
export const EVENT_PAGE_TTL_MS = 5000;

type EventRow = typeof events.$inferSelect;

/** What the seat map needs of its event without reading it again. */
export interface EventFacts { currency: Currency }

/** Published and cancelled events' pages; a fill that finds a draft (or nothing) passes the row on to its own caller's check. */
export const eventPages = new ReadCache<EventFacts, EventRow | null>(EVENT_PAGE_TTL_MS, 4 * 2 ** 20);
/** Published and cancelled events' seat maps (a 5,000-seat map is about 450 KB). */
export const seatMaps = new ReadCache(SEAT_MAP_TTL_MS, 24 * 2 ** 20);

/** The event changed through this isolate (update, publish, cancel): its page and its seat map. */
export function eventChanged(eventId: string): void {
  eventPages.changed(eventId);
  seatMaps.changed(eventId);
}
