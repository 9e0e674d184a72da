import { and, desc, eq, gt, inArray, lte, or, sql, type SQL } from "drizzle-orm";
import { config } from "../config";
import { db, type Ctx } from "../context";
import { openDb, type Db } from "../db/client";
import { bookingItems, bookings, events, gaAreas, seats, users } from "../db/schema";
import { visibleState, type BookingState } from "../domain/booking-state";
import { csvLine } from "../domain/csv";
import type { Currency } from "../domain/money";
import { encodeCursor, type BookingFilters, type Cursor } from "../domain/sales-input";
import { readQuery } from "../middleware/params";
import { requireAuth } from "../middleware/auth";
import { describeError } from "../describe-error";
import { MAX_EXPORT_ROWS, SALE_CSV_COLUMNS, salesOperations as op } from "../contract/sales";
import { clientIp, enforce } from "../rate-limit/limiter";
import { rateLimiter } from "../rate-limit";
import { ApiRoutes } from "./api-routes";
import { eventSummary } from "./event-reads";
import { ownedEvent } from "./events";

/**
 * The organizer's console reads: my events with what sold, and an event's bookings (a JSON page,
 * or every match as CSV). Read from Postgres, the system of record for bookings, which the
 * room's outbox keeps a second or two behind the room.
 */

/** Newest first, to the millisecond (cursors carry milliseconds; event rows are stamped in microseconds). */
const newestFirst = (at: SQL, id: SQL | typeof bookings.bookingId | typeof events.eventId, after: Cursor | undefined): SQL | undefined =>
  after ? sql`(date_trunc('milliseconds', ${at}), ${id}) < (${new Date(after.at).toISOString()}::timestamptz, ${after.id}::uuid)` : undefined;

/** `like` text with its wildcards taken literally. */
const literalLike = (s: string) => s.replaceAll("\\", "\\\\").replaceAll("%", "\\%").replaceAll("_", "\\_");

function bookingWhere(eventId: string, f: BookingFilters, now: Date): SQL | undefined {
  const where: (SQL | undefined)[] = [eq(bookings.eventId, eventId)];
  // A hold whose time ran out reads `expired` everywhere, before the room's alarm writes it so.
  if (f.status === "reserved") where.push(eq(bookings.status, "reserved"), gt(bookings.expiresAt, now));
  else if (f.status === "expired") where.push(or(eq(bookings.status, "expired"), and(eq(bookings.status, "reserved"), lte(bookings.expiresAt, now))));
  else if (f.status) where.push(eq(bookings.status, f.status));
  if (f.from) where.push(sql`${bookings.createdAt} >= ${f.from}::timestamptz`);
  if (f.to) where.push(sql`${bookings.createdAt} < ${f.to}::timestamptz`);
  if (f.q) {
    const q = literalLike(f.q.toLowerCase());
    where.push(or(sql`${bookings.bookingId}::text like ${`${q}%`}`, sql`lower(${users.email}) like ${`%${q}%`}`));
  }
  return and(...where);
}

const saleColumns = { b: bookings, email: users.email, name: users.name };
type SaleRow = { b: typeof bookings.$inferSelect; email: string; name: string };

async function salesPage(handle: Db, eventId: string, f: BookingFilters, after: Cursor | undefined, limit: number, now: Date): Promise<SaleRow[]> {
  const at = sql`${bookings.createdAt}`;
  return handle.select(saleColumns).from(bookings).innerJoin(users, eq(users.userId, bookings.userId))
    .where(and(bookingWhere(eventId, f, now), newestFirst(at, bookings.bookingId, after)))
    .orderBy(desc(sql`date_trunc('milliseconds', ${at})`), desc(bookings.bookingId)).limit(limit);
}

async function withItems(handle: Db, rows: SaleRow[], now: Date) {
  const items = rows.length ? await handle.select().from(bookingItems).where(inArray(bookingItems.bookingId, rows.map((r) => r.b.bookingId))) : [];
  return rows.map(({ b, email, name }) => {
    const mine = items.filter((i) => i.bookingId === b.bookingId);
    const area = mine.find((i) => i.kind === "area");
    return {
      booking_id: b.bookingId, user_id: b.userId, email, name,
      status: visibleState(b.status as BookingState, b.expiresAt, now),
      seats: mine.filter((i) => i.kind === "seat").map((i) => i.itemId).sort(),
      area: area?.itemId ?? null,
      quantity: mine.reduce((n, i) => n + i.quantity, 0),
      total_amount: b.totalAmount, currency: b.currency as Currency,
      created_at: b.createdAt.toISOString(), updated_at: b.updatedAt.toISOString(),
    };
  });
}

const cursorAfter = (rows: SaleRow[]): Cursor | undefined => {
  const last = rows.at(-1);
  return last ? { at: last.b.createdAt.getTime(), id: last.b.bookingId } : undefined;
};

type Sale = Awaited<ReturnType<typeof withItems>>[number];
const csvOf = (rows: Sale[]) => rows.map((s) => csvLine([
  s.booking_id, s.created_at, s.status, s.email, s.name, s.seats.join(" "), s.area, s.quantity, s.total_amount, s.currency,
])).join("");

const EXPORT_BATCH = 1000;

/**
 * The CSV as a stream: the first batch is read before answering (so a database failure is a
 * proper 503), the rest page by cursor on a connection of the stream's own (the request's is
 * released when the handler returns).
 */
async function exportStream(c: Ctx, eventId: string, f: BookingFilters): Promise<ReadableStream<Uint8Array>> {
  const now = new Date();
  const encoder = new TextEncoder();
  const first = await salesPage(db(c), eventId, f, undefined, EXPORT_BATCH, now);
  const head = `\ufeff${csvLine([...SALE_CSV_COLUMNS])}${csvOf(await withItems(db(c), first, now))}`;
  let after = first.length === EXPORT_BATCH ? cursorAfter(first) : undefined;
  let sent = first.length;
  let own: ReturnType<typeof openDb> | null = null;
  const close = () => { void own?.pool.end().catch(() => undefined); own = null; };
  return new ReadableStream<Uint8Array>({
    start(controller) { controller.enqueue(encoder.encode(head)); },
    async pull(controller) {
      if (!after || sent >= MAX_EXPORT_ROWS) {
        close();
        controller.close();
        return;
      }
      try {
        own ??= openDb(c.env.DATABASE_URL, config(c.env).pgWsProxy, 1);
        const rows = await salesPage(own.db, eventId, f, after, Math.min(EXPORT_BATCH, MAX_EXPORT_ROWS - sent), now);
        sent += rows.length;
        after = rows.length === EXPORT_BATCH ? cursorAfter(rows) : undefined;
        controller.enqueue(encoder.encode(csvOf(await withItems(own.db, rows, now))));
      } catch (e) {
        c.get("log").error("bookings export failed mid-stream", { event_id: eventId, error: describeError(e) });
        close();
        controller.error(e);
      }
    },
    cancel() { close(); },
  });
}

export const organizerRoutes = new ApiRoutes("/api/organizer")
  .serve(op.myEvents, requireAuth("organizer"), async (c) => {
    const q = readQuery(c, op.myEvents.request.query);
    const p = c.get("principal");
    const at = sql`${events.createdAt}`;
    // Subqueries built by drizzle, not written in sql``: a select list of one table renders its
    // columns unqualified, so a hand-written `seats.event_id = events.event_id` there became
    // "event_id" = "event_id" and counted every event's sales.
    const d = db(c);
    const soldSeats = d.select({ n: sql<number>`count(*)::int` }).from(seats).where(and(eq(seats.eventId, events.eventId), eq(seats.status, "sold")));
    const soldInAreas = d.select({ n: sql<number>`coalesce(sum(${gaAreas.sold}), 0)::int` }).from(gaAreas).where(eq(gaAreas.eventId, events.eventId));
    const sold = sql<number>`(${soldSeats}) + (${soldInAreas})`;
    const rows = await d.select({ e: events, sold }).from(events)
      .where(and(
        p.role === "admin" ? undefined : eq(events.organizerId, p.userId),
        q.status ? eq(events.status, q.status) : undefined,
        newestFirst(at, events.eventId, q.cursor),
      ))
      .orderBy(desc(sql`date_trunc('milliseconds', ${at})`), desc(events.eventId)).limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const next = rows.length > q.limit && last ? encodeCursor({ at: last.e.createdAt.getTime(), id: last.e.eventId }) : null;
    return c.json({ events: page.map((r) => ({ ...eventSummary(r.e), sold: Number(r.sold) })), next_cursor: next }, 200);
  });

export const salesRoutes = new ApiRoutes("/api/events")
  .serve(op.bookings, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    const q = readQuery(c, op.bookings.request.query);
    const now = new Date();
    const [rows, [total]] = await Promise.all([
      salesPage(db(c), e.eventId, q, q.cursor, q.limit + 1, now),
      db(c).select({ n: sql<number>`count(*)::int` }).from(bookings).innerJoin(users, eq(users.userId, bookings.userId)).where(bookingWhere(e.eventId, q, now)),
    ]);
    const page = rows.slice(0, q.limit);
    const after = rows.length > q.limit ? cursorAfter(page) : undefined;
    return c.json({ event_id: e.eventId, bookings: await withItems(db(c), page, now), total: Number(total?.n ?? 0), next_cursor: after ? encodeCursor(after) : null }, 200);
  })
  .serve(op.exportBookings, requireAuth("organizer"), async (c) => {
    // Each export may stream 100,000 rows out of Postgres: counted per organizer and per address before any read.
    await enforce(c, rateLimiter(c.env), "exports", [`user:${c.get("principal").userId}`, `ip:${clientIp(c)}`]);
    const e = await ownedEvent(c, c.req.param("id"));
    const q = readQuery(c, op.exportBookings.request.query);
    const body = await exportStream(c, e.eventId, q);
    return c.body(body, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="bookings-${e.eventId}.csv"`,
      "Cache-Control": "private, no-store",
    });
  });
