/**
 * The event page and the seat map, answered from the edge's copies (src/edge-cache/event-caches.ts)
 * so a hot event's readers reach neither Postgres nor the EventRoom; drafts only to their organizer,
 * never from a copy. Both answer with an ETag (304 to a matching If-None-Match), `Age` (how old the
 * copy is), `Cache-Control` saying a client or CDN may store the body but must revalidate it, and
 * `X-Edge-Cache` (hit, miss, shared: waited for another request's fill, bypass: not cacheable).
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import { db, room, type Ctx } from "../context";
import { events } from "../db/schema";
import type { Category } from "../domain/event-input";
import type { Currency } from "../domain/money";
import { buyerRefundClosesAt } from "../domain/refund-window";
import { expandSeats, type SeatMap } from "../domain/seat-map";
import type { QueueSettings } from "../domain/waiting-room";
import { eventPages, seatMaps, type EventFacts } from "../edge-cache/event-caches";
import type { CachedBody, FillOutcome, Served } from "../edge-cache/read-cache";
import { principalFrom } from "../middleware/auth";
import { readHeader, uuidId } from "../middleware/params";
import { problems } from "../problem";
import { rateLimiter } from "../rate-limit";
import { clientIp, enforce } from "../rate-limit/limiter";

export type EventRow = typeof events.$inferSelect;

/** An event as lists show it (no seat map). The text columns hold only what the input schemas let in. */
export const eventSummary = (e: EventRow) => ({
  event_id: e.eventId, organizer_id: e.organizerId, title: e.title, description: e.description, category: e.category as Category,
  venue: e.venue, location: e.location, start_date: e.startDate.toISOString(), end_date: e.endDate?.toISOString() ?? null,
  currency: e.currency as Currency, status: e.status, refund_window_hours: e.refundWindowHours,
  rescheduled_at: e.rescheduledAt?.toISOString() ?? null, refund_closes_at: buyerRefundClosesAt(e).toISOString(),
  min_price: e.minPrice, max_price: e.maxPrice, total_seats: e.totalSeats,
  created_at: e.createdAt.toISOString(), updated_at: e.updatedAt.toISOString(),
});

/** Whether buyers queue first, and when the line opens: what a fan's app needs to send them to the waiting page. */
const waitingRoom = (e: EventRow) => {
  const q = e.queueSettings as QueueSettings | null;
  return q?.enabled ? { on_sale_at: new Date(q.on_sale_at).toISOString(), session_minutes: q.session_minutes } : null;
};

/** An event with its seat map. */
export const eventView = (e: EventRow) => ({ ...eventSummary(e), seat_map: e.seatMap as SeatMap, waiting_room: waitingRoom(e) });

/** Published and cancelled events are public; a draft only to its organizer (and admins). */
export async function mayView(c: Ctx, e: EventRow): Promise<boolean> {
  if (e.status !== "draft") return true;
  const p = await principalFrom(c);
  return !!p && (p.userId === e.organizerId || p.role === "admin");
}

/** The reads served here, which count against the per-IP read limit themselves (see `alongsideLimit`). */
export const isEdgeCachedRead = (c: Ctx): boolean => c.req.method === "GET" && /^\/api\/events\/[^/]+(?:\/seats)?$/.test(c.req.path);

/** Any client or CDN may store these bodies but must ask again each time (a 304 when unchanged): the edge already serves them up to a TTL old. */
const PUBLIC = "public, max-age=0, must-revalidate";
const PRIVATE = "private, no-store";
const encoder = new TextEncoder();
const keepAlive = (c: Ctx) => (p: Promise<unknown>) => c.executionCtx.waitUntil(p);

/**
 * Runs `read` with the per-IP read limit checked alongside it rather than before: a copy served
 * from memory waits only for the limiter, and a fill (which costs Postgres or the room) awaits the
 * limit first. Over the limit, the answer is the 429, whatever the read found.
 */
async function alongsideLimit(c: Ctx, read: (limit: Promise<void>) => Promise<Response>): Promise<Response> {
  const limit = enforce(c, rateLimiter(c.env), "eventReads", [`ip:${clientIp(c)}`]);
  limit.catch(() => undefined);
  const outcome = await read(limit).then((response) => ({ response }), (error: unknown) => ({ error }));
  await limit;
  if ("error" in outcome) throw outcome.error;
  return outcome.response;
}

const etagMatches = (header: string, etag: string): boolean =>
  header.trim() === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);

function answer<M>(c: Ctx, entry: CachedBody<M>, served: Served): Response {
  const headers = {
    ETag: entry.etag, "Cache-Control": PUBLIC, Age: String(Math.max(0, Math.floor((Date.now() - entry.filledAt) / 1000))), "X-Edge-Cache": served,
  };
  const known = readHeader(c, "if-none-match", z.string());
  if (known !== undefined && etagMatches(known, entry.etag)) return c.body(null, 304, headers);
  return c.body(entry.body, 200, { ...headers, "Content-Type": "application/json" });
}

const answerPrivate = (c: Ctx, body: unknown): Response =>
  c.body(JSON.stringify(body), 200, { "Content-Type": "application/json", "Cache-Control": PRIVATE, "X-Edge-Cache": "bypass" });

// ------------------------------------------------------------------ the event page

async function fillEvent(c: Ctx, id: string): Promise<FillOutcome<EventFacts, EventRow | null>> {
  const [row] = await db(c).select().from(events).where(eq(events.eventId, id));
  // Current as of the row's arrival (a Worker's clock moves on I/O).
  const filledAt = Date.now();
  if (!row || row.status === "draft") return { pass: row ?? null };
  return {
    cache: {
      body: encoder.encode(JSON.stringify(eventView(row))), etag: `"e-${row.updatedAt.getTime()}"`, version: null, filledAt,
      meta: { currency: row.currency as Currency },
    },
  };
}

type EventRead = { kind: "public"; entry: CachedBody<EventFacts>; served: Served } | { kind: "draft"; row: EventRow };

/** The event's public copy, or the draft if this caller may see it; 404 otherwise. */
async function readEvent(c: Ctx, id: string, limit: Promise<void>): Promise<EventRead> {
  const hit = eventPages.fresh(id, Date.now());
  if (hit) return { kind: "public", entry: hit, served: "hit" };
  await limit;
  const { outcome, served } = await eventPages.fill(id, () => fillEvent(c, id), keepAlive(c));
  if ("cache" in outcome) return { kind: "public", entry: outcome.cache, served };
  // Each caller checks a draft for itself, also one found by another request's fill.
  const row = outcome.pass;
  if (!row || !(await mayView(c, row))) throw problems.notFound("Event");
  return { kind: "draft", row };
}

/** GET /api/events/{id}. */
export const serveEvent = (c: Ctx): Promise<Response> => alongsideLimit(c, async (limit) => {
  const read = await readEvent(c, uuidId(c.req.param("id"), "Event"), limit);
  return read.kind === "public" ? answer(c, read.entry, read.served) : answerPrivate(c, eventView(read.row));
});

// ------------------------------------------------------------------ the seat map

/** Every seat available: a draft's map, or one whose room was never opened (cancelled before publishing). */
const unsoldSeats = (eventId: string, currency: Currency, map: SeatMap) => ({
  event_id: eventId, currency,
  seats: expandSeats(map).map((s) => ({ seat_id: s.seatId, section: s.section, row: s.row, number: s.number, price: s.price, status: "available" as const })),
  areas: map.areas.map((a) => ({ name: a.name, price: a.price, capacity: a.capacity, available: a.capacity })),
});

async function fillSeats(c: Ctx, id: string, currency: Currency, last: CachedBody | null): Promise<FillOutcome<null, never>> {
  const read = await room(c, id).seatMapSince(last?.version ?? null);
  // The room's clock orders its answers and says when the map was current (a fill slowed by a
  // busy room must not start its copy's second already spent).
  const filledAt = read.at;
  if (!read.snapshot) {
    if (!last) throw new Error("the room answered 'unchanged' to a caller that held no copy");
    return { cache: { ...last, filledAt } };
  }
  const snap = read.snapshot;
  let body: unknown;
  if (snap.status === "unconfigured") {
    const [row] = await db(c).select({ seatMap: events.seatMap }).from(events).where(eq(events.eventId, id));
    if (!row) throw problems.notFound("Event");
    body = unsoldSeats(id, currency, row.seatMap as SeatMap);
  } else {
    body = { event_id: id, currency, seats: snap.seats, areas: snap.areas.map(({ held: _h, sold: _s, ...a }) => a) };
  }
  return { cache: { body: encoder.encode(JSON.stringify(body)), etag: `"s-${read.version}"`, version: read.version, filledAt, meta: null } };
}

/** GET /api/events/{id}/seats. The room is asked only for an event that exists and is not a draft. */
export const serveSeats = (c: Ctx): Promise<Response> => alongsideLimit(c, async (limit) => {
  const id = uuidId(c.req.param("id"), "Event");
  const hit = seatMaps.fresh(id, Date.now());
  if (hit) return answer(c, hit, "hit");
  await limit;
  const event = await readEvent(c, id, limit);
  if (event.kind === "draft") return answerPrivate(c, unsoldSeats(id, event.row.currency as Currency, event.row.seatMap as SeatMap));
  const { outcome, served } = await seatMaps.fill(id, (last) => fillSeats(c, id, event.entry.meta.currency, last), keepAlive(c));
  if (!("cache" in outcome)) throw new Error("a seat-map fill passed instead of caching");
  return answer(c, outcome.cache, served);
});
