import { sql } from "drizzle-orm";
import { searchEvents } from "../../src/db/schema";
import { makeLogger } from "../../src/log";
import { parseMessage } from "../../src/pipeline/catalogue";
import type { Envelope } from "../../src/pipeline/envelope";
import { once, type Executor } from "./processed";

export const SEARCH_CONSUMER = "search-indexer";
export const SEARCH_TOPICS = ["event-events", "inventory-events"] as const;

const log = makeLogger({ consumer: SEARCH_CONSUMER }, process.env.LOG_LEVEL);

/**
 * Keeps the search read model current. Safe under redelivery (processed-message table) and under
 * reordering: event messages carry the whole event and only a newer one overwrites (by the
 * event's updated_at); inventory messages are counted as deltas, which commute. A message whose
 * data does not fit its type (see src/pipeline/catalogue.ts) is logged and skipped.
 */
export async function indexForSearch(db: Executor, e: Envelope): Promise<"applied" | "duplicate" | "ignored"> {
  if (!e.event_type.startsWith("Event") && !e.event_type.startsWith("Seats")) return "ignored";
  const parsed = parseMessage(e);
  if (!parsed.ok) {
    log.warn("skipping a message the search indexer cannot read", { message_id: e.event_id, event_type: e.event_type, error: parsed.error });
    return "ignored";
  }
  const m = parsed.message;
  switch (m.event_type) {
    case "EventCreated":
    case "EventPublished":
    case "EventUpdated":
    case "EventCancelled": {
      const d = m.data;
      const row = {
        eventId: d.event_id, title: d.title, description: d.description, venue: d.venue, location: d.location, category: d.category,
        startDate: new Date(d.start_date), currency: d.currency, status: d.status, minPrice: d.min_price, maxPrice: d.max_price,
        totalSeats: d.total_seats, sourceUpdatedAt: new Date(d.updated_at),
      };
      const { eventId: _id, ...changes } = row;
      return once(db, SEARCH_CONSUMER, m.event_id, async (tx) => {
        await tx.insert(searchEvents).values(row).onConflictDoUpdate({
          target: searchEvents.eventId, set: changes,
          setWhere: sql`${searchEvents.sourceUpdatedAt} IS NULL OR ${searchEvents.sourceUpdatedAt} <= ${row.sourceUpdatedAt.toISOString()}::timestamptz`,
        });
      });
    }
    case "SeatsConfirmed":
      // held → sold: no change in what is available (recorded as processed all the same).
      return once(db, SEARCH_CONSUMER, m.event_id, async () => {});
    case "SeatsReserved":
    case "SeatsReleased": {
      const d = m.data;
      const n = d.seat_ids.length + (d.quantity ?? 0);
      const delta = m.event_type === "SeatsReserved" ? -n : n;
      return once(db, SEARCH_CONSUMER, m.event_id, async (tx) => {
        await tx.insert(searchEvents).values({ eventId: d.event_id, seatsDelta: delta })
          .onConflictDoUpdate({ target: searchEvents.eventId, set: { seatsDelta: sql`${searchEvents.seatsDelta} + ${delta}` } });
      });
    }
    default:
      return "ignored";
  }
}
