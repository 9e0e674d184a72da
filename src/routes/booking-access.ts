import { and, eq, gte, lte } from "drizzle-orm";
import { db, room, type Ctx } from "../context";
import { bookings, events } from "../db/schema";
import { eventIdRange } from "../domain/booking-id";
import { uuidId } from "../middleware/params";
import { problems } from "../problem";
import type { BookingView } from "../../durable-objects/event-room/contract";

export type BookingRow = typeof bookings.$inferSelect;
export type EventRow = typeof events.$inferSelect;

/**
 * A booking the caller may see: from Postgres (`row`), or, while the room's outbox has not
 * written it there yet (the ~25 ms after its 201, or longer while Postgres is behind), from its
 * room (`live`), found through the event prefix its id carries (booking-id.ts).
 */
export interface AccessibleBooking {
  bookingId: string;
  eventId: string;
  event: EventRow;
  row: BookingRow | null;
  live: BookingView | null;
  isOwner: boolean;
  isStaff: boolean;
}

/** The booking and its event if the caller owns it, organizes the event, or is an admin; 404 otherwise. */
export async function accessibleBooking(c: Ctx, rawId: string | undefined): Promise<AccessibleBooking> {
  const id = uuidId(rawId, "Booking");
  const [found] = await db(c).select({ b: bookings, e: events }).from(bookings)
    .innerJoin(events, eq(events.eventId, bookings.eventId)).where(eq(bookings.bookingId, id));
  const located = found
    ? { bookingId: id, eventId: found.b.eventId, event: found.e, row: found.b, live: null, userId: found.b.userId }
    : await fromRoom(c, id);
  const p = c.get("principal");
  if (!located) throw problems.notFound("Booking");
  const isStaff = p.role === "admin" || located.event.organizerId === p.userId;
  const isOwner = located.userId === p.userId;
  if (!isOwner && !isStaff) throw problems.notFound("Booking");
  return { bookingId: located.bookingId, eventId: located.eventId, event: located.event, row: located.row, live: located.live, isOwner, isStaff };
}

/** A booking not in Postgres yet, asked of the rooms of the events its id may belong to. */
async function fromRoom(c: Ctx, id: string) {
  const { from, to } = eventIdRange(id);
  const candidates = await db(c).select().from(events).where(and(gte(events.eventId, from), lte(events.eventId, to))).limit(4);
  for (const event of candidates) {
    const live = await room(c, event.eventId).getBooking(id);
    if (live) return { bookingId: id, eventId: event.eventId, event, row: null, live, userId: live.user_id };
  }
  return null;
}
