import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { bookingItems, bookings } from "../../src/db/schema";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { roomStats, testDb } from "../support/db";
import { openCheckout } from "../support/saga";

type Booking = { booking_id: string; status: string; seats: string[]; total_amount: number; currency: string; expires_at: string; area?: string; quantity?: number; payment: { status: string; payment_intent_id: string } | null };
type Problem = { status: number; code: string; detail: string; unavailable_seats?: string[]; errors?: { field: string }[]; held_seats?: number; max_held_seats?: number };

let organizer: Session;
let fan: Session;
let eventId: string;
beforeAll(async () => {
  organizer = await register("organizer");
  fan = await register("user");
  eventId = await publishedEvent(organizer);
});

/** Bookings reach Postgres through the EventRoom's outbox; reads wait for that short lag. */
const readable = (id: string, token: string) =>
  eventually(async () => {
    const r = await api<Booking>(`/api/bookings/${id}`, { token });
    return r.status === 200 ? r : undefined;
  }, 20_000, `booking ${id} in Postgres`);

describe("bookings over HTTP", () => {
  it("holds seats and answers with the contract's shape", async () => {
    const r = await api<Booking>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-1", "A-1-2"] } });
    expect(r.status).toBe(201);
    // The hold answers without waiting for the payment provider: checkout opens separately.
    expect(r.body).toMatchObject({ status: "reserved", seats: ["A-1-1", "A-1-2"], total_amount: 300000, currency: "KRW", payment: null });
    const pay = await openCheckout(fan.access, r.body.booking_id);
    expect(pay).toMatchObject({ booking_id: r.body.booking_id, status: "requires_payment_method", expires_at: r.body.expires_at });
    expect(pay.client_secret).toContain("_secret_");
    const ttl = Date.parse(r.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    const got = await readable(r.body.booking_id, fan.access);
    expect(got.body).toMatchObject({ booking_id: r.body.booking_id, status: "reserved", seats: ["A-1-1", "A-1-2"], total_amount: 300000 });
  });

  it("sells general admission by quantity", async () => {
    const r = await api<Booking>("/api/bookings", { token: fan.access, body: { event_id: eventId, area: "FLOOR", quantity: 3 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ area: "FLOOR", quantity: 3, total_amount: 297000, seats: [] });
  });

  it("answers 409 naming the seats that were not available, and holds nothing", async () => {
    const other = await register();
    const first = await api("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-5"] } });
    expect(first.status).toBe(201);
    const r = await api<Problem>("/api/bookings", { token: other.access, body: { event_id: eventId, seat_ids: ["A-1-5", "A-1-6"] } });
    expect(r.status).toBe(409);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body).toMatchObject({ code: "seats_unavailable", unavailable_seats: ["A-1-5"] });
    const seats = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${eventId}/seats`);
    expect(seats.body.seats.find((s) => s.seat_id === "A-1-6")?.status).toBe("available");
  });

  it.each([
    [{ event_id: "not-a-uuid", seat_ids: ["A-1-1"] }, 422],
    [{ event_id: crypto.randomUUID(), seat_ids: [] }, 422],
    [{ event_id: crypto.randomUUID(), seat_ids: ["A-1-1", "A-1-1"] }, 422],
    [{ event_id: crypto.randomUUID(), seat_ids: ["A1"] }, 422],
    [{ event_id: crypto.randomUUID(), area: "FLOOR", quantity: 0 }, 422],
    [{ event_id: crypto.randomUUID(), seat_ids: ["A-1-1"] }, 404],
  ])("refuses a bad request %j with %i", async (body, status) => {
    const r = await api<Problem>("/api/bookings", { token: fan.access, body });
    expect(r.status).toBe(status);
  });

  it("refuses unknown seats (422), too many seats (422) and anonymous callers (401)", async () => {
    expect((await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["Z-1-1"] } })).body.code).toBe("unknown_seats");
    const nine = Array.from({ length: 9 }, (_, i) => `A-2-${i + 1}`);
    expect((await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: nine } })).body.code).toBe("too_many_seats");
    expect((await api("/api/bookings", { body: { event_id: eventId, seat_ids: ["A-2-1"] } })).status).toBe(401);
  });

  it("honours Idempotency-Key: same body replays, another body is refused", async () => {
    const buyer = await register();
    const key = `k-${crypto.randomUUID()}`;
    const body = { event_id: eventId, seat_ids: ["A-1-7"] };
    const a = await api<Booking>("/api/bookings", { token: buyer.access, body, headers: { "idempotency-key": key } });
    const b = await api<Booking>("/api/bookings", { token: buyer.access, body, headers: { "idempotency-key": key } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    const c = await api<Problem>("/api/bookings", { token: buyer.access, body: { event_id: eventId, seat_ids: ["A-1-8"] }, headers: { "idempotency-key": key } });
    expect(c.status).toBe(422);
    expect(c.body.code).toBe("idempotency_key_reused");
    const seats = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${eventId}/seats`);
    expect(seats.body.seats.find((s) => s.seat_id === "A-1-8")?.status).toBe("available");
  });

  it("replays concurrent retries with one key as one booking", async () => {
    const buyer = await register();
    const key = `k-${crypto.randomUUID()}`;
    const body = { event_id: eventId, seat_ids: ["A-1-9"] };
    const all = await Promise.all(Array.from({ length: 10 }, () => api<Booking>("/api/bookings", { token: buyer.access, body, headers: { "idempotency-key": key } })));
    expect(all.every((r) => r.status === 201)).toBe(true);
    expect(new Set(all.map((r) => r.body.booking_id)).size).toBe(1);
  });

  it("lists my bookings and shows one to its owner and the organizer only", async () => {
    const mine = await register();
    const r = await api<Booking>("/api/bookings", { token: mine.access, body: { event_id: eventId, seat_ids: ["A-2-9"] } });
    await readable(r.body.booking_id, mine.access);
    // The list is read from Postgres, which the room's outbox reaches a moment after the 201.
    const list = await eventually(async () => {
      const l = await api<{ bookings: Booking[] }>("/api/bookings", { token: mine.access });
      return l.body.bookings.length ? l : undefined;
    }, 20_000, "the booking in my list");
    expect(list.body.bookings.map((b) => b.booking_id)).toEqual([r.body.booking_id]);
    expect((await api(`/api/bookings/${r.body.booking_id}`, { token: organizer.access })).status).toBe(200);
    expect((await api(`/api/bookings/${r.body.booking_id}`, { token: fan.access })).status).toBe(404);
    expect((await api(`/api/bookings/not-a-uuid`, { token: fan.access })).status).toBe(404);
  });

  it("cancels a hold, releasing its seats for the next buyer", async () => {
    const buyer = await register();
    const r = await api<Booking>("/api/bookings", { token: buyer.access, body: { event_id: eventId, seat_ids: ["A-2-10"] } });
    await readable(r.body.booking_id, buyer.access);
    const stranger = await register();
    expect((await api(`/api/bookings/${r.body.booking_id}/cancel`, { method: "POST", token: stranger.access })).status).toBe(404);
    const c = await api<Booking>(`/api/bookings/${r.body.booking_id}/cancel`, { method: "POST", token: buyer.access });
    expect(c.status).toBe(200);
    expect(c.body.status).toBe("cancelled");
    expect((await api("/api/bookings", { token: stranger.access, body: { event_id: eventId, seat_ids: ["A-2-10"] } })).status).toBe(201);
    await eventually(async () => {
      const got = await api<Booking>(`/api/bookings/${r.body.booking_id}`, { token: buyer.access });
      return got.body.status === "cancelled" ? true : undefined;
    }, 20_000, "cancellation in Postgres");
    expect((await api<Problem>(`/api/bookings/${r.body.booking_id}/cancel`, { method: "POST", token: buyer.access })).status).toBe(200);
  });
});

/** The wrangler.toml default of MAX_HELD_SEATS_PER_ACCOUNT, which the test Worker keeps. */
const HOLD_CAP = 8;

/** Seats (general-admission places count one each) in an account's reserved bookings for an event, as Postgres has them. */
async function pgHeldSeats(eventId: string, userId: string): Promise<number> {
  const { db, close } = await testDb();
  try {
    const [r] = await db.select({ n: sql<number>`coalesce(sum(${bookingItems.quantity}), 0)::int` }).from(bookingItems)
      .innerJoin(bookings, eq(bookings.bookingId, bookingItems.bookingId))
      .where(and(eq(bookings.eventId, eventId), eq(bookings.userId, userId), eq(bookings.status, "reserved")));
    return r!.n;
  } finally {
    await close();
  }
}

describe("open holds per account", () => {
  it("one account firing 40 reservations at once never holds more than the cap, and others are unaffected", async () => {
    const ev = await publishedEvent(organizer, {
      title: "Hold cap", seat_map: { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 40 }, { label: "2", seats: 40 }] }], areas: [{ name: "FLOOR", price: 500, capacity: 500 }] },
    });
    const greedy = await register();
    const others = await Promise.all(Array.from({ length: 10 }, () => register()));
    const greedyBodies = Array.from({ length: 40 }, (_, i) => (i % 2 ? { event_id: ev, seat_ids: [`A-1-${i + 1}`] } : { event_id: ev, area: "FLOOR", quantity: 1 + (i % 3) }));
    const [mine, theirs] = await Promise.all([
      Promise.all(greedyBodies.map((body) => api<Booking & Problem>("/api/bookings", { token: greedy.access, body }))),
      Promise.all(others.map((o, k) => api<Booking>("/api/bookings", { token: o.access, body: { event_id: ev, seat_ids: [`A-2-${2 * k + 1}`, `A-2-${2 * k + 2}`] } }))),
    ]);
    const seatsOf = (b: Booking) => b.seats.length + (b.quantity ?? 0);
    const granted = mine.filter((r) => r.status === 201);
    const held = granted.reduce((n, r) => n + seatsOf(r.body), 0);
    expect(held).toBeLessThanOrEqual(HOLD_CAP);
    expect(held).toBeGreaterThanOrEqual(HOLD_CAP - 2); // requests are 1–3 seats: at most 2 can be left unused
    const refused = mine.filter((r) => r.status !== 201);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body).toMatchObject({ code: "hold_limit_reached", max_held_seats: HOLD_CAP });
      expect(r.body.held_seats).toBeLessThanOrEqual(HOLD_CAP);
      expect(r.body.detail).toContain(String(HOLD_CAP));
    }
    expect(theirs.map((r) => r.status)).toEqual(others.map(() => 201));

    // The room and Postgres agree: nothing beyond the cap was held for this account.
    const stats = await eventually(async () => {
      const s = await roomStats(ev, organizer.access);
      return s.outbox_pending === 0 ? s : undefined;
    }, 60_000, "the room's outbox to drain");
    expect(stats.seats.held + stats.areas.held).toBe(held + 2 * others.length);
    expect(await eventually(async () => ((await pgHeldSeats(ev, greedy.userId)) === held ? held : undefined), 30_000, "Postgres to hold the account's seats")).toBe(held);

    // Releasing a hold makes room under the cap again; the cap still stands after it.
    const first = granted[0]!.body;
    await readable(first.booking_id, greedy.access);
    expect((await api(`/api/bookings/${first.booking_id}/cancel`, { method: "POST", token: greedy.access })).status).toBe(200);
    const again = await api<Booking>("/api/bookings", { token: greedy.access, body: { event_id: ev, area: "FLOOR", quantity: seatsOf(first) + HOLD_CAP - held } });
    expect(again.status).toBe(201);
    const over = await api<Problem>("/api/bookings", { token: greedy.access, body: { event_id: ev, area: "FLOOR", quantity: 1 } });
    expect(over.body).toMatchObject({ status: 409, code: "hold_limit_reached", held_seats: HOLD_CAP, max_held_seats: HOLD_CAP });
  });

  it("does not count paid bookings against the cap", async () => {
    const ev = await publishedEvent(organizer, { title: "Hold cap, paid" });
    const buyer = await register();
    const paid = await api<Booking>("/api/bookings", { token: buyer.access, body: { event_id: ev, area: "FLOOR", quantity: HOLD_CAP } });
    expect(paid.status).toBe(201);
    const pay = await openCheckout(buyer.access, paid.body.booking_id);
    expect((await api<Problem>("/api/bookings", { token: buyer.access, body: { event_id: ev, seat_ids: ["A-1-1"] } })).body.code).toBe("hold_limit_reached");
    const checkout = await api(`/api/payment/simulator/${pay.payment_intent_id}/complete`, { body: { client_secret: pay.client_secret, outcome: "succeeded" } });
    expect(checkout.status).toBe(202);
    await eventually(async () => ((await api<Booking>(`/api/bookings/${paid.body.booking_id}`, { token: buyer.access })).body.status === "confirmed" ? true : undefined), 30_000, "the payment to confirm");
    expect((await api("/api/bookings", { token: buyer.access, body: { event_id: ev, seat_ids: ["A-1-1"] } })).status).toBe(201);
  });
});

describe("Idempotency-Key replays say what became of the booking", () => {
  it("replays a cancelled booking as cancelled, with 201 and Idempotent-Replayed", async () => {
    const buyer = await register();
    const key = `k-${crypto.randomUUID()}`;
    const body = { event_id: eventId, area: "FLOOR", quantity: 1 };
    const first = await api<Booking>("/api/bookings", { token: buyer.access, body, headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    await readable(first.body.booking_id, buyer.access);
    expect((await api(`/api/bookings/${first.body.booking_id}/cancel`, { method: "POST", token: buyer.access })).status).toBe(200);
    const replay = await api<Booking>("/api/bookings", { token: buyer.access, body, headers: { "idempotency-key": key } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toMatchObject({ booking_id: first.body.booking_id, status: "cancelled", area: "FLOOR", quantity: 1 });
    // The replay held nothing again.
    await eventually(async () => ((await pgHeldSeats(eventId, buyer.userId)) === 0 ? true : undefined), 30_000, "no open hold for the buyer");
    const again = await api<Booking>("/api/bookings", { token: buyer.access, body, headers: { "idempotency-key": key } });
    expect(again.body.booking_id).toBe(first.body.booking_id);
  });
});
