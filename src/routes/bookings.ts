import { Hono } from "hono";
import { desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { db, room, type AppEnv, type Ctx } from "../context";
import { bookingItems, bookings, events } from "../db/schema";
import { visibleState, type BookingState } from "../domain/booking-state";
import { sha256Hex } from "../domain/refresh-token";
import { parseWith, readJson } from "../middleware/body";
import { requireAuth } from "../middleware/auth";
import { Problem, problems } from "../problem";
import type { BookingView, Refusal } from "../../durable-objects/room-types";

const seatIdPattern = /^[A-Za-z0-9가-힣]{1,12}-[A-Za-z0-9가-힣]{1,12}-[0-9]{1,4}$/;
const createBody = z.union([
  z.object({
    event_id: z.uuid(),
    seat_ids: z.array(z.string().regex(seatIdPattern, "must read SECTION-ROW-NUMBER")).min(1, "pick at least one seat").max(50)
      .refine((ids) => new Set(ids).size === ids.length, "must not repeat a seat"),
  }).strict(),
  z.object({ event_id: z.uuid(), area: z.string().min(1).max(12), quantity: z.number().int().min(1).max(50) }).strict(),
], { error: "send {event_id, seat_ids} or {event_id, area, quantity}" });
const idempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "must be printable ASCII");
const listQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1), page_size: z.coerce.number().int().min(1).max(100).default(20) });

function refusal(r: Refusal): Problem {
  const title = r.status === 409 ? "Conflict" : r.status === 404 ? "Not found" : "Unprocessable request";
  return new Problem(r.status, r.code, title, r.detail, r.unavailable_seats ? { unavailable_seats: r.unavailable_seats } : {});
}

/** A booking as clients see it: lapsed holds read as expired even before the alarm catches up. */
function present(b: BookingView) {
  return { ...b, status: visibleState(b.status, new Date(b.expires_at), new Date()), payment: null };
}

type BookingRow = typeof bookings.$inferSelect;
async function withItems(c: Ctx, rows: BookingRow[]) {
  if (!rows.length) return [];
  const items = await db(c).select().from(bookingItems).where(inArray(bookingItems.bookingId, rows.map((r) => r.bookingId)));
  return rows.map((r) => {
    const mine = items.filter((i) => i.bookingId === r.bookingId);
    const area = mine.find((i) => i.kind === "area");
    return present({
      booking_id: r.bookingId, event_id: r.eventId, user_id: r.userId, status: r.status as BookingState,
      seats: mine.filter((i) => i.kind === "seat").map((i) => i.itemId).sort(),
      ...(area ? { area: area.itemId, quantity: area.quantity } : {}),
      items: mine.map((i) => ({ item_id: i.itemId, kind: i.kind, quantity: i.quantity, unit_price: i.unitPrice })),
      total_amount: r.totalAmount, currency: r.currency as BookingView["currency"],
      expires_at: r.expiresAt.toISOString(), created_at: r.createdAt.toISOString(),
    });
  });
}

/** The booking if the caller owns it, organizes its event, or is an admin; 404 otherwise. */
async function accessibleBooking(c: Ctx, id: string): Promise<{ row: BookingRow; isStaff: boolean }> {
  if (!z.uuid().safeParse(id).success) throw problems.notFound("Booking");
  const [found] = await db(c).select({ b: bookings, organizerId: events.organizerId }).from(bookings)
    .innerJoin(events, eq(events.eventId, bookings.eventId)).where(eq(bookings.bookingId, id));
  const p = c.get("principal");
  if (!found) throw problems.notFound("Booking");
  const isStaff = p.role === "admin" || found.organizerId === p.userId;
  if (found.b.userId !== p.userId && !isStaff) throw problems.notFound("Booking");
  return { row: found.b, isStaff };
}

export const bookingRoutes = new Hono<AppEnv>()
  .use(requireAuth())
  .post("/", async (c) => {
    const body = await readJson(c, createBody);
    const keyHeader = c.req.header("idempotency-key");
    const key = keyHeader === undefined ? undefined : parseWith(idempotencyKey, keyHeader);
    const result = await room(c, body.event_id).reserve({
      userId: c.get("principal").userId,
      correlationId: c.get("requestId"),
      ...(key ? { idempotency: { key, bodyHash: await sha256Hex(JSON.stringify(body)) } } : {}),
      ...("seat_ids" in body ? { seatIds: body.seat_ids } : { area: body.area, quantity: body.quantity }),
    });
    if (!result.ok) throw refusal(result);
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    else c.get("log").info("booking reserved", { booking_id: result.booking.booking_id, event_id: body.event_id, total: result.booking.total_amount });
    return c.json({ ...result.booking, status: "reserved", payment: null }, 201);
  })
  .get("/", async (c) => {
    const q = parseWith(listQuery, c.req.query());
    const rows = await db(c).select().from(bookings).where(eq(bookings.userId, c.get("principal").userId))
      .orderBy(desc(bookings.createdAt)).limit(q.page_size).offset((q.page - 1) * q.page_size);
    return c.json({ bookings: await withItems(c, rows), page: q.page, page_size: q.page_size });
  })
  .get("/:id", async (c) => {
    const { row } = await accessibleBooking(c, c.req.param("id"));
    const [view] = await withItems(c, [row]);
    return c.json(view);
  })
  .post("/:id/cancel", async (c) => {
    const { row, isStaff } = await accessibleBooking(c, c.req.param("id"));
    const result = await room(c, row.eventId).cancel(row.bookingId, c.get("requestId"), { userId: c.get("principal").userId, isStaff });
    if (!result.ok) throw refusal(result);
    return c.json(present(result.booking));
  });
