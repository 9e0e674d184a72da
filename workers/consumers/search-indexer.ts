import { sql } from "drizzle-orm";
import { searchEvents } from "../../src/db/schema";
import type { Envelope } from "../../src/domain/envelope";
import { once, type Executor } from "./processed";

export const SEARCH_CONSUMER = "search-indexer";
export const SEARCH_TOPICS = ["event-events", "inventory-events"] as const;

interface EventData {
  event_id: string; title: string; description: string; venue: string; location: string; category: string; start_date: string;
  currency: string; status: string; min_price: number; max_price: number; total_seats: number; updated_at: string;
}
interface InventoryData { event_id: string; seat_ids: string[]; quantity: number | null }

/**
 * Keeps the search read model current. Safe under redelivery (processed-message table) and under
 * reordering: event messages carry the whole event and only a newer one overwrites (by the
 * event's updated_at); inventory messages are counted as deltas, which commute.
 */
export async function indexForSearch(db: Executor, e: Envelope): Promise<"applied" | "duplicate" | "ignored"> {
  const type = e.event_type;
  if (!type.startsWith("Event") && !type.startsWith("Seats")) return "ignored";
  return once(db, SEARCH_CONSUMER, e.event_id, async (tx) => {
    if (type.startsWith("Event")) {
      const d = e.data as unknown as EventData;
      const row = {
        eventId: d.event_id, title: d.title, description: d.description, venue: d.venue, location: d.location, category: d.category,
        startDate: new Date(d.start_date), currency: d.currency, status: d.status, minPrice: d.min_price, maxPrice: d.max_price,
        totalSeats: d.total_seats, sourceUpdatedAt: new Date(d.updated_at),
      };
      const { eventId: _id, ...changes } = row;
      await tx.insert(searchEvents).values(row).onConflictDoUpdate({
        target: searchEvents.eventId, set: changes,
        setWhere: sql`${searchEvents.sourceUpdatedAt} IS NULL OR ${searchEvents.sourceUpdatedAt} <= ${row.sourceUpdatedAt.toISOString()}::timestamptz`,
      });
      return;
    }
    if (type === "SeatsConfirmed") return; // held → sold: no change in what is available
    const d = e.data as unknown as InventoryData;
    const n = d.seat_ids.length + (d.quantity ?? 0);
    const delta = type === "SeatsReserved" ? -n : n;
    await tx.insert(searchEvents).values({ eventId: d.event_id, seatsDelta: delta })
      .onConflictDoUpdate({ target: searchEvents.eventId, set: { seatsDelta: sql`${searchEvents.seatsDelta} + ${delta}` } });
  });
}
