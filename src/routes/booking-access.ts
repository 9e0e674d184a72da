import { eq } from "drizzle-orm";
import { db, type Ctx } from "../context";
import { bookings, events } from "../db/schema";
import { uuidId } from "../middleware/params";
import { problems } from "../problem";

export type BookingRow = typeof bookings.$inferSelect;
export type EventRow = typeof events.$inferSelect;

/** The booking and its event if the caller owns it, organizes the event, or is an admin; 404 otherwise. */
export async function accessibleBooking(c: Ctx, rawId: string | undefined): Promise<{ row: BookingRow; event: EventRow; isOwner: boolean; isStaff: boolean }> {
  const id = uuidId(rawId, "Booking");
  const [found] = await db(c).select({ b: bookings, e: events }).from(bookings)
    .innerJoin(events, eq(events.eventId, bookings.eventId)).where(eq(bookings.bookingId, id));
  const p = c.get("principal");
  if (!found) throw problems.notFound("Booking");
  const isStaff = p.role === "admin" || found.e.organizerId === p.userId;
  const isOwner = found.b.userId === p.userId;
  if (!isOwner && !isStaff) throw problems.notFound("Booking");
  return { row: found.b, event: found.e, isOwner, isStaff };
}
