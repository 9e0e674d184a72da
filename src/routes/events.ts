import { and, asc, count, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import { db, room, type AppEnv, type Ctx } from "../context";
import type { Db } from "../db/client";
import { events, gaAreas, outbox, seats } from "../db/schema";
import { DEFAULT_QUEUE, type QueueSettings } from "../domain/waiting-room";
import type { Currency } from "../domain/money";
import type { Category } from "../domain/event-input";
import { expandSeats, summarize, type SeatMap } from "../domain/seat-map";
import { isReschedule, publishBreach, updateBreach, type RuleBreach } from "../domain/sale-rules";
import type { SaleTerms } from "../../durable-objects/event-room/contract";
import { makeMessage } from "../pipeline/catalogue";
import { outboxRow } from "../pipeline/outbox-rows";
import { readBody } from "../middleware/body";
import { readQuery, uuidId } from "../middleware/params";
import { authenticate, bearerToken, requireAuth } from "../middleware/auth";
import { isWebSocketUpgrade } from "../middleware/edge-headers";
import { forwardWithAuth } from "../../durable-objects/event-room/live-feed";
import { queueShard } from "../../durable-objects/queue-shard/names";
import { Problem, problems } from "../problem";
import { rateLimiter } from "../rate-limit";
import { clientIp, enforce } from "../rate-limit/limiter";
import { eventOperations as op } from "../contract/events";
import { ApiRoutes } from "./api-routes";
import { rememberEventState } from "./event-gate";
import { eventSummary, eventView, isEdgeCachedRead, mayView, serveEvent, serveSeats, type EventRow } from "./event-reads";
import { eventChanged } from "../edge-cache/event-caches";

const SEAT_MAP_LIMIT = 512 * 1024;

/** The event if the caller may see it: published and cancelled ones to all, drafts to their organizer. */
async function visibleEvent(c: Ctx, rawId: string | undefined): Promise<EventRow> {
  const id = uuidId(rawId, "Event");
  const [e] = await db(c).select().from(events).where(eq(events.eventId, id));
  if (!e || !(await mayView(c, e))) throw problems.notFound("Event");
  return e;
}

/** The event if the caller organizes it (or is an admin): 404 for one it may not see, 403 for another's. */
export async function ownedEvent(c: Ctx, id: string | undefined): Promise<EventRow> {
  const e = await visibleEvent(c, id);
  const p = c.get("principal");
  if (p.userId !== e.organizerId && p.role !== "admin") throw problems.forbidden("Only the event's organizer may do this");
  return e;
}

async function writeInventory(tx: Db | Parameters<Parameters<Db["transaction"]>[0]>[0], eventId: string, map: SeatMap): Promise<void> {
  const rows = expandSeats(map).map((s) => ({ eventId, seatId: s.seatId, section: s.section, rowLabel: s.row, number: s.number, price: s.price }));
  for (let i = 0; i < rows.length; i += 1000) await tx.insert(seats).values(rows.slice(i, i + 1000));
  if (map.areas.length) await tx.insert(gaAreas).values(map.areas.map((a) => ({ eventId, name: a.name, price: a.price, capacity: a.capacity })));
}

type EventMessageType = "EventCreated" | "EventUpdated" | "EventPublished" | "EventCancelled";
function eventMessage(c: Ctx, type: EventMessageType, e: EventRow, extra: { previous_start_date?: string } = {}) {
  return outboxRow(makeMessage(type, e.eventId, { ...eventSummary(e), ...extra }, { correlationId: c.get("requestId") }));
}

/** What the event's room enforces and shows; versioned by the row's updated_at (see `nextUpdatedAt`). */
const termsOf = (e: EventRow): SaleTerms => ({
  startsAt: e.startDate.toISOString(), refundWindowHours: e.refundWindowHours, rescheduledAt: e.rescheduledAt?.toISOString() ?? null, version: e.updatedAt.getTime(),
});

/**
 * updated_at for any change of an event: at least a millisecond past the row's previous value, on
 * Postgres's clock, taken under the row lock, so it grows in the order changes commit and can
 * version the room's copy of the terms.
 */
const nextUpdatedAt = sql`greatest(clock_timestamp(), ${events.updatedAt} + interval '1 millisecond')`;

const breachProblem = (b: RuleBreach): Problem =>
  b.kind === "invalid" ? problems.validation([{ field: b.field, message: b.message }]) : problems.conflict(b.code, b.detail, b.extras);

/** Reads of the catalogue and seat maps: 100 a minute per IP by default (the edge-cached reads count themselves, alongside the read). */
const limitReads = async (c: Ctx, next: () => Promise<void>) => {
  if (c.req.method === "GET" && !isWebSocketUpgrade(c) && !isEdgeCachedRead(c)) {
    await enforce(c, rateLimiter(c.env), "eventReads", [`ip:${clientIp(c)}`]);
  }
  await next();
};

export const eventRoutes = new ApiRoutes("/api/events")
  .guard(limitReads)
  .serve(op.list, async (c) => {
    const q = readQuery(c, op.list.request.query);
    const where: SQL[] = [eq(events.status, "published")];
    if (q.category) where.push(eq(events.category, q.category));
    if (q.from) where.push(gte(events.startDate, new Date(q.from)));
    if (q.to) where.push(lte(events.startDate, new Date(q.to)));
    const [rows, [total]] = await Promise.all([
      db(c).select().from(events).where(and(...where)).orderBy(asc(events.startDate), asc(events.eventId))
        .limit(q.page_size).offset((q.page - 1) * q.page_size),
      db(c).select({ n: count() }).from(events).where(and(...where)),
    ]);
    return c.json({ events: rows.map(eventSummary), page: q.page, page_size: q.page_size, total: total?.n ?? 0 }, 200);
  })
  .serve(op.create, requireAuth("organizer"), async (c) => {
    const body = await readBody(c, op.create, SEAT_MAP_LIMIT);
    const id = crypto.randomUUID();
    const e = await db(c).transaction(async (tx) => {
      const [row] = await tx.insert(events).values({
        eventId: id, organizerId: c.get("principal").userId, title: body.title, description: body.description, category: body.category,
        venue: body.venue, location: body.location, startDate: new Date(body.start_date), endDate: body.end_date ? new Date(body.end_date) : null,
        currency: body.currency, seatMap: body.seat_map, refundWindowHours: body.refund_window_hours, ...summarize(body.seat_map),
      }).returning();
      await writeInventory(tx, id, body.seat_map);
      await tx.insert(outbox).values(eventMessage(c, "EventCreated", row!));
      return row!;
    });
    return c.json(eventView(e), 201);
  })
  .serve(op.get, serveEvent)
  .serve(op.update, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    const body = await readBody(c, op.update, SEAT_MAP_LIMIT);
    if (e.status === "cancelled") throw problems.conflict("event_cancelled", "A cancelled event cannot be changed");
    if (body.seat_map && e.status !== "draft") throw problems.conflict("seat_map_locked", "The seat map is fixed once the event is published");
    if (body.currency && e.status !== "draft") throw problems.conflict("currency_locked", "The currency is fixed once the event is published");
    const now = new Date();
    const breach = updateBreach(e, body, now);
    if (breach) throw breachProblem(breach);
    const start = body.start_date ? new Date(body.start_date) : e.startDate;
    const end = body.end_date === undefined ? e.endDate : body.end_date ? new Date(body.end_date) : null;
    if (end && end <= start) throw problems.validation([{ field: "end_date", message: "must be after start_date" }]);
    const moved = isReschedule(e, start);
    const startChanged = start.getTime() !== e.startDate.getTime();
    // The dates and the refund window were checked against what was read: a concurrent change of them must be read first.
    const termsChange = body.start_date !== undefined || body.end_date !== undefined || body.refund_window_hours !== undefined;
    const updated = await db(c).transaction(async (tx) => {
      const [row] = await tx.update(events).set({
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.category !== undefined ? { category: body.category } : {}),
        ...(body.venue !== undefined ? { venue: body.venue } : {}),
        ...(body.location !== undefined ? { location: body.location } : {}),
        ...(body.currency !== undefined ? { currency: body.currency } : {}),
        ...(body.refund_window_hours !== undefined ? { refundWindowHours: body.refund_window_hours } : {}),
        ...(body.seat_map ? { seatMap: body.seat_map, ...summarize(body.seat_map) } : {}),
        ...(moved ? { rescheduledAt: now } : {}),
        // Only what was sent: writing back the dates read earlier would undo a concurrent move.
        ...(body.start_date !== undefined ? { startDate: start } : {}),
        ...(body.end_date !== undefined ? { endDate: end } : {}),
        updatedAt: nextUpdatedAt,
      }).where(and(
        eq(events.eventId, e.eventId), eq(events.status, e.status),
        ...(termsChange ? [eq(events.startDate, e.startDate), eq(events.refundWindowHours, e.refundWindowHours)] : []),
      )).returning();
      if (!row) throw problems.conflict("event_changed", "The event changed meanwhile; read it and try again");
      if (body.seat_map) {
        await tx.delete(seats).where(eq(seats.eventId, e.eventId));
        await tx.delete(gaAreas).where(eq(gaAreas.eventId, e.eventId));
        await writeInventory(tx, e.eventId, body.seat_map);
      }
      // Buyers are told of a move (the notifier mails them from this message), with their refund deadline.
      await tx.insert(outbox).values(eventMessage(c, "EventUpdated", row, startChanged ? { previous_start_date: e.startDate.toISOString() } : {}));
      return row;
    });
    // The room stops selling at the start and shows the refund deadline: it learns every change
    // (again on a retry, so a failure here is mended by sending the same update once more).
    eventChanged(updated.eventId);
    if (updated.status === "published") await room(c, updated.eventId).setTerms(termsOf(updated));
    return c.json(eventView(updated), 200);
  })
  .serve(op.publish, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    if (e.status === "cancelled") throw problems.conflict("event_cancelled", "A cancelled event cannot be published");
    if (e.status === "published") return c.json(eventView(e), 200);
    const breach = publishBreach(e, new Date());
    if (breach) throw breachProblem(breach);
    const map = e.seatMap as SeatMap;
    // The room first: it is idempotent, so a failure after it is mended by publishing again.
    await room(c, e.eventId).configure({
      eventId: e.eventId, organizerId: e.organizerId, currency: e.currency as Currency, seats: expandSeats(map), areas: map.areas, terms: termsOf(e),
    });
    if (e.queueSettings) await room(c, e.eventId).configureQueue(e.queueSettings as QueueSettings);
    // Published only with the terms the room was given: a date moved meanwhile must be published again.
    const updated = await setStatus(c, e, "published", "EventPublished", [eq(events.status, "draft"), eq(events.startDate, e.startDate), eq(events.refundWindowHours, e.refundWindowHours)]);
    eventChanged(e.eventId);
    if (updated) {
      rememberEventState(e.eventId, "published");
      return c.json(eventView(updated), 200);
    }
    const current = await visibleEvent(c, e.eventId);
    if (current.status === "published" && current.startDate.getTime() === e.startDate.getTime() && current.refundWindowHours === e.refundWindowHours) return c.json(eventView(current), 200);
    throw problems.conflict("event_changed", "The event changed while it was being published; read it and publish again");
  })
  .serve(op.cancel, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    if (e.status === "cancelled") return c.json(eventView(e), 200);
    if (e.status === "published") await room(c, e.eventId).close(c.get("requestId"));
    const cancelled = await setStatus(c, e, "cancelled", "EventCancelled");
    if (!cancelled) throw problems.notFound("Event");
    rememberEventState(e.eventId, "cancelled");
    eventChanged(e.eventId);
    return c.json(eventView(cancelled), 200);
  })
  .serve(op.seats, serveSeats)
  .serve(op.stats, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    const [stats, live, wm] = await Promise.all([room(c, e.eventId).stats(), room(c, e.eventId).liveCounts(), room(c, e.eventId).queueWatermark()]);
    // Joined and waiting add up the event's queue shards, counted now past what the room admitted from each.
    const lines = await Promise.all(wm.shards.map((m, k) => queueShard(c.env.QUEUE_SHARD, e.eventId, k).counts(m.through)));
    const line = lines.reduce((a, l) => ({ joined: a.joined + l.joined, waiting: a.waiting + l.waiting }), { joined: 0, waiting: 0 });
    return c.json({ event_id: e.eventId, currency: e.currency as Currency, ...stats, queue: { ...line, admitted: live.admitted, active: live.active } }, 200);
  })
  .serve(op.getQueue, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    const settings = (e.queueSettings as QueueSettings | null) ?? { ...DEFAULT_QUEUE, on_sale_at: e.createdAt.toISOString() };
    return c.json({ event_id: e.eventId, ...settings }, 200);
  })
  .serve(op.putQueue, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    const settings = await readBody(c, op.putQueue);
    if (e.status === "cancelled") throw problems.conflict("event_cancelled", "A cancelled event has no sale to queue for");
    // Postgres keeps the record; the room holds the live copy (set again when the event is published).
    await db(c).update(events).set({ queueSettings: settings, updatedAt: nextUpdatedAt }).where(eq(events.eventId, e.eventId));
    eventChanged(e.eventId);
    if (e.status === "published") await room(c, e.eventId).configureQueue(settings);
    return c.json({ event_id: e.eventId, ...settings }, 200);
  })
  /** The organizer's live view of the queue and sales, served by the event's room (Hibernation API). */
  .serve(op.live, async (c) => {
    if (!isWebSocketUpgrade(c)) throw problems.badRequest("This endpoint speaks WebSocket");
    // Browsers cannot set headers on a WebSocket, so the token may also come as ?access_token=.
    const p = await authenticate(c, bearerToken(c) ?? c.req.query("access_token"));
    if (!p.expiresAt) throw problems.unauthorized("A valid organizer access token is required");
    c.set("principal", p);
    const e = await ownedEvent(c, c.req.param("id"));
    // The room closes the socket when this token expires or its session is signed out.
    return room(c, e.eventId).fetch(forwardWithAuth(c.req.raw, { userId: p.userId, sessionId: p.sessionId ?? null, expiresAt: p.expiresAt }));
  });

/** Sets the status (if `guards` still hold) and announces it; null if they no longer do. */
async function setStatus(c: Ctx, e: EventRow, status: "published" | "cancelled", type: EventMessageType, guards: SQL[] = []): Promise<EventRow | null> {
  return db(c).transaction(async (tx) => {
    const [row] = await tx.update(events).set({ status, updatedAt: nextUpdatedAt }).where(and(eq(events.eventId, e.eventId), ...guards)).returning();
    if (!row) return null;
    await tx.insert(outbox).values(eventMessage(c, type, row));
    return row;
  });
}
