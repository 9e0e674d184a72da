import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bookings, gaAreas, payments } from "../../src/db/schema";
import { api, eventually, pool, publishedEvent, register, type Session } from "../support/api";
import { roomStats } from "../support/db";
import { testDb } from "../support/db";
import { openCheckout } from "../support/saga";

describe("the other reservation paths under contention, over HTTP", () => {
  it("general admission: 300 concurrent quantity requests never sell past capacity, and Postgres agrees", async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer, { title: "GA contention", seat_map: { sections: [], areas: [{ name: "FLOOR", price: 99000, capacity: 100 }] } });
    const users: Session[] = await pool(8, Array.from({ length: 60 }, () => () => register()));
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      api<{ quantity?: number }>("/api/bookings", { token: users[i % users.length]!.access, body: { event_id: eventId, area: "FLOOR", quantity: 1 + (i % 3) } })));
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const sold = results.filter((r) => r.status === 201).reduce((n, r) => n + r.body.quantity!, 0);
    expect(sold).toBeLessThanOrEqual(100);
    expect(sold).toBeGreaterThan(90); // 1–3 at a time: at most 2 places can be left over
    const stats = await eventually(async () => {
      const s = await roomStats(eventId, organizer.access);
      return s.outbox_pending === 0 ? s : undefined;
    }, 60_000, "the outbox to drain");
    expect(stats.areas.held).toBe(sold);
    const { db, close } = await testDb();
    const [area] = await db.select().from(gaAreas).where(eq(gaAreas.eventId, eventId));
    await close();
    expect(area).toMatchObject({ held: sold, sold: 0, capacity: 100 });
  });

  it("50 buyers reserving and paying at once: every paid seat sold once, money equals confirmed totals", async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer, { title: "Pay contention", seat_map: { sections: [{ name: "A", price: 70000, rows: [{ label: "1", seats: 30 }] }] } });
    const buyers: Session[] = await pool(8, Array.from({ length: 50 }, () => () => register()));
    // 50 buyers, 30 seats, each wanting one of them: then everyone who got one pays at once.
    const holds = await Promise.all(buyers.map(async (b, i) => ({ buyer: b, r: await api<{ booking_id: string }>(
      "/api/bookings", { token: b.access, body: { event_id: eventId, seat_ids: [`A-1-${(i % 30) + 1}`] } }) })));
    const won = holds.filter((h) => h.r.status === 201);
    expect(won).toHaveLength(30);
    // Every winner opens checkout at once (one intent each), then pays.
    const intents = await Promise.all(won.map((h) => openCheckout(h.buyer.access, h.r.body.booking_id)));
    const paid = await Promise.all(intents.map((p) => api(`/api/payment/simulator/${p.payment_intent_id}/complete`, { body: { client_secret: p.client_secret } })));
    expect(paid.every((p) => p.status === 202)).toBe(true);
    const stats = await eventually(async () => {
      const s = await roomStats(eventId, organizer.access);
      return s.bookings.confirmed === 30 && s.outbox_pending === 0 ? s : undefined;
    }, 60_000, "every payment to confirm and reach Postgres");
    expect(stats.seats).toMatchObject({ sold: 30, held: 0, available: 0 });
    const { db, close } = await testDb();
    await eventually(async () => {
      const [c] = await db.select({ n: sql<number>`count(*)::int`, total: sql<string>`coalesce(sum(${bookings.totalAmount}), 0)` }).from(bookings)
        .where(and(eq(bookings.eventId, eventId), eq(bookings.status, "confirmed")));
      const [m] = await db.select({ total: sql<string>`coalesce(sum(${payments.amount}), 0)` }).from(payments)
        .where(and(eq(payments.eventId, eventId), eq(payments.status, "succeeded")));
      return c!.n === 30 && Number(c!.total) === 30 * 70000 && Number(m!.total) === 30 * 70000 ? true : undefined;
    }, 30_000, "Postgres: 30 confirmed bookings and their money");
    await close();
  });
});
