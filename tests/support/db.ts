import { and, eq, sql } from "drizzle-orm";
import { openNodeDb } from "../../workers/db";
import { bookings, gaAreas, outbox, seats } from "../../src/db/schema";
import { DATABASE_URL } from "./env";
import { api } from "./api";

export function testDb(url = DATABASE_URL) {
  return openNodeDb(url);
}

export interface Counts { held: number; sold: number; available: number; bookings: number; gaHeld: number; outbox: number }

/** What Postgres says about one event: seat states, bookings, and outbox rows for its bookings. */
export async function pgCounts(eventId: string): Promise<Counts> {
  const { db, close } = await testDb();
  try {
    const seatRows = await db.select({ status: seats.status, n: sql<number>`count(*)::int` }).from(seats).where(eq(seats.eventId, eventId)).groupBy(seats.status);
    const by = Object.fromEntries(seatRows.map((r) => [r.status, r.n]));
    const [b] = await db.select({ n: sql<number>`count(*)::int` }).from(bookings).where(eq(bookings.eventId, eventId));
    const [ga] = await db.select({ n: sql<number>`coalesce(sum(held),0)::int` }).from(gaAreas).where(eq(gaAreas.eventId, eventId));
    const [o] = await db.select({ n: sql<number>`count(*)::int` }).from(outbox)
      .where(and(eq(outbox.topic, "inventory-events"), eq(outbox.aggregateId, eventId)));
    return { held: by.held ?? 0, sold: by.sold ?? 0, available: by.available ?? 0, bookings: b?.n ?? 0, gaHeld: ga?.n ?? 0, outbox: o?.n ?? 0 };
  } finally {
    await close();
  }
}

export interface RoomStatsBody { seats: { available: number; held: number; sold: number }; areas: { held: number }; outbox_pending: number; bookings: Record<string, number> }

/** Waits until the EventRoom has flushed and Postgres agrees with it. */
export async function roomStats(eventId: string, organizerToken: string): Promise<RoomStatsBody> {
  const r = await api<RoomStatsBody>(`/api/events/${eventId}/stats`, { token: organizerToken });
  if (r.status !== 200) throw new Error(`stats: ${r.status}`);
  return r.body;
}
