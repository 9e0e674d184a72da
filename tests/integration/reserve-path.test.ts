import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookings, outbox, payments } from "../../src/db/schema";
import { api, eventually, pool, publishedEvent, register, type Session } from "../support/api";
import { roomStats, testDb } from "../support/db";
import { openCheckout, type Checkout } from "../support/saga";

// The reservation's common path is one room call: no payment provider, no second room call. So
// the 201 carries no payment; checkout is opened with POST /api/bookings/{id}/payment; and the
// booking is readable by its buyer (and nobody else) the moment the 201 is sent, before the
// room's outbox has written it to Postgres.

type Booking = { booking_id: string; user_id: string; status: string; seats: string[]; total_amount: number; payment: { payment_intent_id: string; status: string } | null };
type Problem = { status: number; code: string };

let organizer: Session;
let handle: Awaited<ReturnType<typeof testDb>>;
beforeAll(async () => {
  handle = await testDb();
  organizer = await register("organizer");
});
afterAll(() => handle.close());
const db = () => handle.db;

const seatsMap = (rows: number) => ({ sections: [{ name: "A", price: 50000, rows: Array.from({ length: rows }, (_, r) => ({ label: String(r + 1), seats: 10 })) }] });
const seatId = (i: number) => `A-${Math.floor(i / 10) + 1}-${(i % 10) + 1}`;

describe("reserve: one room call, readable at once", () => {
  it("many concurrent reservers: nothing oversold, every 201 readable at once by its buyer and never by another account", async () => {
    const eventId = await publishedEvent(organizer, { title: "Readable at once", seat_map: seatsMap(4) });
    const buyers: Session[] = await pool(8, Array.from({ length: 40 }, () => () => register()));
    const stranger = await register();
    // 40 buyers want 2 seats each out of 40 seats, overlapping: about half can win.
    const tries = await Promise.all(buyers.map(async (b, i) => {
      const seats = [seatId(i % 40), seatId((i * 7 + 3) % 40)].filter((s, k, all) => all.indexOf(s) === k);
      const r = await api<Booking>("/api/bookings", { token: b.access, body: { event_id: eventId, seat_ids: seats } });
      // Read back immediately, in the same breath as the 201: by the buyer, and by another account.
      if (r.status !== 201) return { buyer: b, r, mine: null, theirs: null, theirPay: null };
      const [mine, theirs, theirPay] = await Promise.all([
        api<Booking>(`/api/bookings/${r.body.booking_id}`, { token: b.access }),
        api<Problem>(`/api/bookings/${r.body.booking_id}`, { token: stranger.access }),
        api<Problem>(`/api/bookings/${r.body.booking_id}/payment`, { method: "POST", token: stranger.access }),
      ]);
      return { buyer: b, r, mine, theirs, theirPay };
    }));
    expect(tries.every((t) => t.r.status === 201 || t.r.status === 409)).toBe(true);
    const won = tries.filter((t) => t.r.status === 201);
    expect(won.length).toBeGreaterThan(0);
    // No seat held twice.
    const held = won.flatMap((t) => t.r.body.seats);
    expect(new Set(held).size).toBe(held.length);
    for (const t of won) {
      expect(t.r.body.payment).toBeNull();
      expect(t.mine?.status).toBe(200);
      expect(t.mine?.body).toMatchObject({ booking_id: t.r.body.booking_id, user_id: t.buyer.userId, status: "reserved", seats: [...t.r.body.seats].sort() });
      expect(t.theirs?.status).toBe(404);
      expect(t.theirPay?.status).toBe(404);
    }
    // The room and Postgres agree afterwards.
    const stats = await eventually(async () => {
      const s = await roomStats(eventId, organizer.access);
      return s.outbox_pending === 0 ? s : undefined;
    }, 60_000, "the outbox to drain");
    expect(stats.seats.held).toBe(held.length);
    const [n] = await db().select({ n: sql<number>`count(*)::int` }).from(bookings).where(and(eq(bookings.eventId, eventId), eq(bookings.status, "reserved")));
    expect(n?.n).toBe(won.length);
  });

  it("opening checkout twice at once makes one intent, recorded once; a replay then shows it", async () => {
    const eventId = await publishedEvent(organizer, { title: "Checkout twice" });
    const fan = await register();
    const key = `k-${crypto.randomUUID()}`;
    const body = { event_id: eventId, seat_ids: ["A-1-1", "A-1-2"] };
    const first = await api<Booking>("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    expect(first.body.payment).toBeNull();
    // A replay before checkout: the same hold, still without a payment.
    const early = await api<Booking>("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } });
    expect(early.headers.get("idempotent-replayed")).toBe("true");
    expect(early.body).toMatchObject({ booking_id: first.body.booking_id, status: "reserved", payment: null });
    const opened: Checkout[] = await Promise.all(Array.from({ length: 6 }, () => openCheckout(fan.access, first.body.booking_id)));
    expect(new Set(opened.map((o) => o.payment_intent_id)).size).toBe(1);
    expect(new Set(opened.map((o) => o.client_secret)).size).toBe(1);
    const intentId = opened[0]?.payment_intent_id ?? "";
    // One PaymentIntentCreated reaches Postgres for the booking, however often checkout was opened.
    const created = await eventually(async () => {
      const rows = await db().select().from(outbox).where(and(eq(outbox.aggregateId, first.body.booking_id), eq(outbox.eventType, "PaymentIntentCreated")));
      const [p] = await db().select().from(payments).where(eq(payments.paymentIntentId, intentId));
      return rows.length && p ? rows : undefined;
    }, 30_000, "the intent to reach Postgres");
    expect(created).toHaveLength(1);
    const replay = await api<Booking>("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } });
    expect(replay.body).toMatchObject({ booking_id: first.body.booking_id, status: "reserved", payment: { payment_intent_id: intentId } });
  });

  it("only a hold can be paid: a cancelled booking answers 409 booking_not_payable, and an unknown one 404", async () => {
    const eventId = await publishedEvent(organizer, { title: "Not payable" });
    const fan = await register();
    const b = await api<Booking>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-2-1"] } });
    expect(b.status).toBe(201);
    // Cancelled at once, before Postgres has the booking: the cancel too finds it through its room.
    expect((await api(`/api/bookings/${b.body.booking_id}/cancel`, { method: "POST", token: fan.access })).status).toBe(200);
    const r = await api<Problem>(`/api/bookings/${b.body.booking_id}/payment`, { method: "POST", token: fan.access });
    expect(r).toMatchObject({ status: 409, body: { code: "booking_not_payable" } });
    expect((await api(`/api/bookings/${crypto.randomUUID()}/payment`, { method: "POST", token: fan.access })).status).toBe(404);
    // The organizer sees the booking but may not open its buyer's checkout.
    expect((await api(`/api/bookings/${b.body.booking_id}`, { token: organizer.access })).status).toBe(200);
    expect((await api(`/api/bookings/${b.body.booking_id}/payment`, { method: "POST", token: organizer.access })).status).toBe(404);
  });

  it("pay flow end to end with concurrent buyers: reserve, open checkout, pay, webhook: every booking confirmed once, money equals totals", async () => {
    const eventId = await publishedEvent(organizer, { title: "Pay flow", seat_map: seatsMap(3) });
    const buyers: Session[] = await pool(8, Array.from({ length: 24 }, () => () => register()));
    const flows = await Promise.all(buyers.map(async (b, i) => {
      const r = await api<Booking>("/api/bookings", { token: b.access, body: { event_id: eventId, seat_ids: [seatId(i)] } });
      expect(r.status).toBe(201);
      const pay = await openCheckout(b.access, r.body.booking_id);
      const done = await api(`/api/payment/simulator/${pay.payment_intent_id}/complete`, { body: { client_secret: pay.client_secret, outcome: "succeeded" } });
      expect(done.status).toBe(202);
      return { buyer: b, booking: r.body, intent: pay.payment_intent_id };
    }));
    const stats = await eventually(async () => {
      const s = await roomStats(eventId, organizer.access);
      return s.bookings.confirmed === flows.length && s.outbox_pending === 0 ? s : undefined;
    }, 60_000, "every payment to be confirmed and reach Postgres");
    expect(stats.seats.sold).toBe(flows.length);
    for (const f of flows) {
      const got = await api<Booking>(`/api/bookings/${f.booking.booking_id}`, { token: f.buyer.access });
      expect(got.body).toMatchObject({ status: "confirmed", payment: { payment_intent_id: f.intent, status: "succeeded" } });
    }
    const ids = flows.map((f) => f.booking.booking_id);
    const money = await eventually(async () => {
      const [m] = await db().select({ total: sql<string>`coalesce(sum(${payments.amount}), 0)`, n: sql<number>`count(*)::int` })
        .from(payments).where(and(inArray(payments.bookingId, ids), eq(payments.status, "succeeded")));
      return m && m.n === flows.length ? m : undefined;
    }, 30_000, "every payment recorded");
    expect(Number(money.total)).toBe(flows.reduce((sum, f) => sum + f.booking.total_amount, 0));
  });
});
