import { sql } from "drizzle-orm";
import { makeLogger } from "../../src/log";
import { parseMessage } from "../../src/pipeline/catalogue";
import type { Envelope } from "../../src/pipeline/envelope";
import type { Executor } from "./processed";

export const SEARCH_CONSUMER = "search-indexer";
export const SEARCH_TOPICS = ["event-events", "inventory-events"] as const;

const log = makeLogger({ consumer: SEARCH_CONSUMER }, process.env.LOG_LEVEL);

export type SearchOutcome = "applied" | "duplicate" | "ignored";

/** What one message does to the read model: the whole event (newest wins) and/or a change in available seats. */
interface SearchEffect { id: string; event_id: string; delta: number; snapshot: Record<string, unknown> | null }

function effectOf(e: Envelope): SearchEffect | null {
  if (!e.event_type.startsWith("Event") && !e.event_type.startsWith("Seats")) return null;
  const parsed = parseMessage(e);
  if (!parsed.ok) {
    log.warn("skipping a message the search indexer cannot read", { message_id: e.event_id, event_type: e.event_type, error: parsed.error });
    return null;
  }
  const m = parsed.message;
  switch (m.event_type) {
    case "EventCreated":
    case "EventPublished":
    case "EventUpdated":
    case "EventCancelled":
      return { id: m.event_id, event_id: m.data.event_id, delta: 0, snapshot: m.data };
    case "SeatsConfirmed":
      // held → sold: no change in what is available (recorded as processed all the same).
      return { id: m.event_id, event_id: m.data.event_id, delta: 0, snapshot: null };
    case "SeatsReserved":
    case "SeatsReleased": {
      const n = m.data.seat_ids.length + (m.data.quantity ?? 0);
      return { id: m.event_id, event_id: m.data.event_id, delta: m.event_type === "SeatsReserved" ? -n : n, snapshot: null };
    }
    default:
      return null;
  }
}

/** The read model's columns an event message sets, from its snapshot (`s`). */
const SNAPSHOT_COLUMNS = {
  title: sql`s->>'title'`, description: sql`s->>'description'`, venue: sql`s->>'venue'`, location: sql`s->>'location'`, category: sql`s->>'category'`,
  start_date: sql`(s->>'start_date')::timestamptz`, currency: sql`s->>'currency'`, status: sql`s->>'status'`, min_price: sql`(s->>'min_price')::bigint`,
  max_price: sql`(s->>'max_price')::bigint`, total_seats: sql`(s->>'total_seats')::int`, source_updated_at: sql`(s->>'updated_at')::timestamptz`,
} as const;
const names = Object.keys(SNAPSHOT_COLUMNS);
const newer = sql`excluded.source_updated_at IS NOT NULL AND (search_events.source_updated_at IS NULL OR search_events.source_updated_at <= excluded.source_updated_at)`;

/**
 * Keeps the search read model current, a batch at a time, in one statement: the processed-message
 * rows (the dedupe, keyed by message id) and the read model's change commit together, so a
 * redelivered message — Kafka is at-least-once — changes nothing. Safe under reordering: per event
 * only the newest snapshot is kept (by the event's updated_at, also against what is stored), and
 * inventory messages are counted as deltas, which commute. A message whose data does not fit its
 * type (see src/pipeline/catalogue.ts) is logged and skipped. Rows are written in key order, so
 * batches that overlap (a rebalance, two workers) wait for each other instead of deadlocking.
 * Returns each message's outcome, in order.
 */
export async function indexBatchForSearch(db: Executor, envelopes: Envelope[]): Promise<SearchOutcome[]> {
  const effects = envelopes.map(effectOf);
  const input = effects.filter((x): x is SearchEffect => x !== null);
  if (!input.length) return envelopes.map(() => "ignored");
  const r = await db.execute<{ id: string }>(sql`
    WITH input AS (
      SELECT DISTINCT ON (id) id, event_id, delta, snapshot AS s
      FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS x(id uuid, event_id uuid, delta int, snapshot jsonb)
    ), fresh AS (
      INSERT INTO processed_messages (consumer, message_id) SELECT ${SEARCH_CONSUMER}, id FROM input ORDER BY id
      ON CONFLICT DO NOTHING RETURNING message_id
    ), per_event AS (
      SELECT event_id, sum(delta)::int AS delta,
        (array_agg(s ORDER BY (s->>'updated_at')::timestamptz DESC) FILTER (WHERE s IS NOT NULL))[1] AS s
      FROM input JOIN fresh ON fresh.message_id = input.id GROUP BY event_id
      HAVING sum(delta) <> 0 OR bool_or(s IS NOT NULL)
    ), written AS ( -- runs to completion though nothing reads it
      INSERT INTO search_events (event_id, seats_delta, ${sql.raw(names.join(", "))})
      SELECT event_id, delta, ${sql.join(Object.values(SNAPSHOT_COLUMNS), sql`, `)} FROM per_event ORDER BY event_id
      ON CONFLICT (event_id) DO UPDATE SET seats_delta = search_events.seats_delta + excluded.seats_delta,
        ${sql.join(names.map((c) => sql`${sql.raw(c)} = CASE WHEN ${newer} THEN excluded.${sql.raw(c)} ELSE search_events.${sql.raw(c)} END`), sql`, `)}
    )
    SELECT message_id AS id FROM fresh`);
  const fresh = new Set(r.rows.map((row) => row.id));
  const seen = new Set<string>();
  return effects.map((x): SearchOutcome => {
    if (!x) return "ignored";
    const first = fresh.has(x.id) && !seen.has(x.id);
    seen.add(x.id);
    return first ? "applied" : "duplicate";
  });
}

/** One message (tests, tools): the batch of one. */
export async function indexForSearch(db: Executor, e: Envelope): Promise<SearchOutcome> {
  const [outcome] = await indexBatchForSearch(db, [e]);
  return outcome ?? "ignored";
}
