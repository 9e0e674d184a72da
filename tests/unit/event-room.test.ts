import { queueShard } from "../../durable-objects/queue-shard/names";
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventRoom } from "../../durable-objects/event-room";
import type { RoomConfig, RoomResult, SaleTerms } from "../../durable-objects/event-room/contract";
import { expandSeats, type SeatMap } from "../../src/domain/seat-map";

const MAP: SeatMap = {
  sections: [{ name: "A", price: 150000, rows: [{ label: "1", seats: 10 }, { label: "2", seats: 10 }] }],
  areas: [{ name: "FLOOR", price: 99000, capacity: 10 }],
};

function freshRoom(overrides: Partial<RoomConfig> = {}) {
  const eventId = crypto.randomUUID();
  const stub = env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(eventId));
  const config: RoomConfig = {
    eventId, organizerId: crypto.randomUUID(), currency: "KRW", seats: expandSeats(MAP), areas: MAP.areas, ...overrides,
  };
  return { stub, eventId, config };
}

const user = () => crypto.randomUUID();
/** What the webhook handler tells the room when Stripe reports a successful payment. */
const paid = (booking: { booking_id: string; total_amount: number }, intentId = `pi_${booking.booking_id.slice(0, 8)}`) =>
  ({ bookingId: booking.booking_id, intentId, provider: "simulator" as const, amount: booking.total_amount, currency: "KRW", correlationId: "t" });
/**
 * Time passes for these holds: their expiry moves into the past (the hold time itself is the
 * deployment's HOLD_TTL_SECONDS, read by the room at each reservation; see src/config.ts).
 */
const lapse = (stub: DurableObjectStub<EventRoom>, bookingIds: string[]) =>
  runInDurableObject(stub, (_o, state) => {
    for (const id of bookingIds) state.storage.sql.exec("UPDATE bookings SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, id);
  });
const outboxTypes = (stub: DurableObjectStub<EventRoom>) =>
  runInDurableObject(stub, (_o, state) =>
    state.storage.sql.exec<{ message: string }>("SELECT message FROM outbox ORDER BY seq").toArray()
      .map((r) => (JSON.parse(r.message) as { envelope: { event_type: string } }).envelope.event_type));

describe("EventRoom", () => {
  it("refuses to sell before it is configured", async () => {
    const { stub } = freshRoom();
    const r = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-1"] });
    expect(r).toMatchObject({ ok: false, status: 404, code: "event_not_on_sale" });
  });

  it("reserves all-or-nothing and names the seats that were taken", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const first = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-1", "A-1-2"] });
    expect(first).toMatchObject({ ok: true, value: { booking: { status: "reserved", seats: ["A-1-1", "A-1-2"], total_amount: 300000, currency: "KRW" } } });
    const second = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-2", "A-1-3"] });
    expect(second).toMatchObject({ ok: false, status: 409, code: "seats_unavailable", unavailable_seats: ["A-1-2"] });
    const snap = await stub.snapshot();
    const status = Object.fromEntries(snap.seats.map((s) => [s.seat_id, s.status]));
    expect(status["A-1-1"]).toBe("held");
    expect(status["A-1-2"]).toBe("held");
    expect(status["A-1-3"]).toBe("available");
    expect(await outboxTypes(stub)).toEqual(["BookingCreated", "SeatsReserved"]);
  });

  it("sells general admission by quantity up to capacity", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 6 })).toMatchObject({ ok: true, value: { booking: { total_amount: 6 * 99000 } } });
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 5 })).toMatchObject({ ok: false, status: 409, unavailable_seats: ["FLOOR"] });
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 4 })).toMatchObject({ ok: true });
    expect((await stub.stats()).areas).toEqual({ available: 0, held: 10, sold: 0 });
  });

  it("enforces the per-booking limit (MAX_SEATS_PER_BOOKING, 8 here) and rejects unknown seats and areas", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const nine = Array.from({ length: 9 }, (_, i) => `A-1-${i + 1}`);
    expect(await stub.reserve({ userId: user(), correlationId: "t", seatIds: nine })).toMatchObject({ ok: false, status: 422, code: "too_many_seats" });
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 9 })).toMatchObject({ ok: false, status: 422, code: "too_many_seats" });
    expect(await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["Z-9-9"] })).toMatchObject({ ok: false, status: 422, code: "unknown_seats" });
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "BALCONY", quantity: 1 })).toMatchObject({ ok: false, status: 422, code: "unknown_area" });
    expect((await stub.stats()).seats.held).toBe(0);
  });

  it("replays an idempotent request and refuses the key with another body", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    const a = await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k1", bodyHash: "h1" }, seatIds: ["A-2-1"] });
    const b = await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k1", bodyHash: "h1" }, seatIds: ["A-2-1"] });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.value.replayed).toBe(true);
    expect(b.value.booking).toEqual(a.value.booking);
    expect(await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k1", bodyHash: "h2" }, seatIds: ["A-2-2"] }))
      .toMatchObject({ ok: false, status: 422, code: "idempotency_key_reused" });
    // Another account may use the same key for its own request.
    expect(await stub.reserve({ userId: user(), correlationId: "t", idempotency: { key: "k1", bodyHash: "h2" }, seatIds: ["A-2-2"] })).toMatchObject({ ok: true });
    expect((await stub.stats()).bookings.reserved).toBe(2);
  });

  it("releases a lapsed hold from its alarm and announces it", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const r = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-5"] });
    if (!r.ok) throw new Error("reserve failed");
    await lapse(stub, [r.value.booking.booking_id]);
    await runDurableObjectAlarm(stub);
    expect((await stub.getBooking(r.value.booking.booking_id))?.status).toBe("expired");
    expect((await stub.snapshot()).seats.find((s) => s.seat_id === "A-1-5")?.status).toBe("available");
    expect(await outboxTypes(stub)).toEqual(["BookingCreated", "SeatsReserved", "BookingExpired", "SeatsReleased"]);
    // Alarms are at-least-once: running it again changes nothing.
    await runDurableObjectAlarm(stub);
    expect(await outboxTypes(stub)).toHaveLength(4);
    // A lapsed hold cannot be cancelled any more.
    expect(await stub.cancel(r.value.booking.booking_id, "t", { userId: r.value.booking.user_id, isStaff: false })).toMatchObject({ ok: false, code: "illegal_transition" });
  });

  it("keeps the alarm at the earliest hold among several", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const alarm = () => runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    const first = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-6"] });
    if (!first.ok) throw new Error("reserve failed");
    const firstExpiry = Date.parse(first.value.booking.expires_at);
    // A later hold lapses later: the alarm stays at the first one's expiry.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-7"] });
    if (!second.ok) throw new Error("reserve failed");
    expect(Date.parse(second.value.booking.expires_at)).toBeGreaterThan(firstExpiry);
    expect(await alarm()).toBe(firstExpiry);
    // The first lapses: the alarm releases it, and then waits for the second.
    await lapse(stub, [first.value.booking.booking_id]);
    await runDurableObjectAlarm(stub);
    const snap = await stub.snapshot();
    expect(snap.seats.find((s) => s.seat_id === "A-1-6")?.status).toBe("available");
    expect(snap.seats.find((s) => s.seat_id === "A-1-7")?.status).toBe("held");
    expect(await alarm()).toBe(Date.parse(second.value.booking.expires_at));
  });

  it("confirms a paid hold into sold, once, and refuses illegal transitions", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    const r = await stub.reserve({ userId: u, correlationId: "t", seatIds: ["A-1-8"] });
    const g = await stub.reserve({ userId: u, correlationId: "t", area: "FLOOR", quantity: 2 });
    if (!r.ok || !g.ok) throw new Error("reserve failed");
    expect(await stub.paymentSucceeded(paid(r.value.booking))).toMatchObject({ outcome: "confirmed", booking: { status: "confirmed" } });
    expect(await stub.paymentSucceeded(paid(r.value.booking))).toMatchObject({ outcome: "already_confirmed" });
    expect(await stub.paymentSucceeded(paid(g.value.booking))).toMatchObject({ outcome: "confirmed" });
    expect(await stub.tickets(g.value.booking.booking_id)).toHaveLength(2);
    const stats = await stub.stats();
    expect(stats.seats.sold).toBe(1);
    expect(stats.areas).toEqual({ available: 8, held: 0, sold: 2 });
    expect(stats.revenue).toBe(150000 + 2 * 99000);
    expect(await stub.cancel(r.value.booking.booking_id, "t", { userId: u, isStaff: false })).toMatchObject({ ok: false, status: 409, code: "illegal_transition" });
    expect(await outboxTypes(stub)).toEqual([
      "BookingCreated", "SeatsReserved", "BookingCreated", "SeatsReserved",
      // Each ticket is announced as a record (ticket-events) in the transaction that issues it.
      "PaymentSucceeded", "TicketIssued", "BookingConfirmed", "SeatsConfirmed", "PaymentSucceeded", "TicketIssued", "TicketIssued", "BookingConfirmed", "SeatsConfirmed",
    ]);
  });

  it("lets the buyer cancel a hold, and hides it from strangers", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    const r = await stub.reserve({ userId: u, correlationId: "t", seatIds: ["A-1-9", "A-1-10"] });
    if (!r.ok) throw new Error("reserve failed");
    expect(await stub.cancel(r.value.booking.booking_id, "t", { userId: user(), isStaff: false })).toMatchObject({ ok: false, status: 404 });
    expect(await stub.cancel(r.value.booking.booking_id, "t", { userId: u, isStaff: false })).toMatchObject({ ok: true, value: { booking: { status: "cancelled" } } });
    expect((await stub.stats()).seats).toEqual({ available: 20, held: 0, sold: 0 });
    expect(await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-10"] })).toMatchObject({ ok: true });
  });

  it("closing the sale releases holds and refuses new ones", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-2-5"] });
    expect(await stub.close("t")).toEqual({ status: "cancelled", released: 1, refunds: 0 });
    expect(await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-2-6"] })).toMatchObject({ ok: false, status: 409, code: "event_not_on_sale" });
    expect(await stub.configure(config)).toEqual({ status: "cancelled" });
    expect((await stub.stats()).seats.held).toBe(0);
  });

  it("never sells a seat twice under 300 concurrent buyers", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const seatIds = expandSeats(MAP).map((s) => s.seatId);
    const attempts = Array.from({ length: 300 }, (_, i) => {
      const a = seatIds[i % seatIds.length]!;
      const b = seatIds[(i * 7 + 3) % seatIds.length]!;
      return stub.reserve({ userId: user(), correlationId: "t", seatIds: a === b ? [a] : [a, b] });
    });
    const results = await Promise.all(attempts);
    const won = results.filter((r) => r.ok);
    expect(results.every((r) => r.ok || r.status === 409)).toBe(true);
    const held = won.flatMap((r) => (r.ok ? r.value.booking.seats : []));
    expect(new Set(held).size).toBe(held.length);
    const stats = await stub.stats();
    expect(stats.seats.held).toBe(held.length);
    expect(stats.bookings.reserved).toBe(won.length);
    // Every winning booking has its two outbox messages; nothing was lost or duplicated.
    expect(await outboxTypes(stub)).toHaveLength(won.length * 2);
  });
});

const seatsHeld = (r: RoomResult<{ booking: { seats: string[]; quantity?: number } }>) => (r.ok ? r.value.booking.seats.length + (r.value.booking.quantity ?? 0) : 0);

describe("EventRoom: open holds per account", () => {
  it("holds at most the cap (MAX_HELD_SEATS_PER_ACCOUNT, 8 here) for one account under 100 concurrent reservations, seats and places alike, and others are unaffected", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const greedy = user();
    const seatIds = expandSeats(MAP).map((s) => s.seatId);
    const mine = Array.from({ length: 100 }, (_, i) => (i % 2
      ? stub.reserve({ userId: greedy, correlationId: "t", seatIds: [seatIds[i % 20]!] })
      : stub.reserve({ userId: greedy, correlationId: "t", area: "FLOOR", quantity: 1 + (i % 3) })));
    const theirs = Array.from({ length: 4 }, () => stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 1 }));
    const results = await Promise.all(mine);
    const held = results.reduce((n, r) => n + seatsHeld(r), 0);
    expect(held).toBeLessThanOrEqual(8);
    expect(held).toBeGreaterThanOrEqual(6);
    for (const r of results) {
      if (r.ok) continue;
      // Seats someone else (or this account) already holds are named as such; anything else is the cap.
      if (r.code === "seats_unavailable") continue;
      expect(r).toMatchObject({ status: 409, code: "hold_limit_reached", extras: { max_held_seats: 8 } });
      expect(Number(r.extras!.held_seats)).toBeLessThanOrEqual(8);
    }
    expect((await Promise.all(theirs)).every((r) => r.ok)).toBe(true);
    const stats = await stub.stats();
    expect(stats.seats.held + stats.areas.held).toBe(held + 4);
  });

  it("counts only open holds: a cancelled, lapsed or paid booking frees its seats from the count", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    const seats = (from: number, n: number, row = 1) => Array.from({ length: n }, (_, i) => `A-${row}-${from + i}`);
    const a = await stub.reserve({ userId: u, correlationId: "t", area: "FLOOR", quantity: 3 });
    const b = await stub.reserve({ userId: u, correlationId: "t", seatIds: seats(1, 5) });
    if (!a.ok || !b.ok) throw new Error("reserve failed");
    expect(await stub.reserve({ userId: u, correlationId: "t", seatIds: seats(6, 1) })).toMatchObject({ ok: false, code: "hold_limit_reached", extras: { held_seats: 8, max_held_seats: 8 } });
    await stub.cancel(b.value.booking.booking_id, "t", { userId: u, isStaff: false });
    const c = await stub.reserve({ userId: u, correlationId: "t", seatIds: seats(6, 5) });
    expect(c).toMatchObject({ ok: true });
    await stub.paymentSucceeded(paid(a.value.booking));
    expect(await stub.reserve({ userId: u, correlationId: "t", area: "FLOOR", quantity: 3 })).toMatchObject({ ok: true });
    // A hold whose time ran out counts for nothing, even before the alarm expires it.
    await runInDurableObject(stub, (_o, state) => state.storage.sql.exec("UPDATE bookings SET expires_at = ? WHERE user_id = ? AND status = 'reserved'", Date.now() - 1, u));
    expect(await stub.reserve({ userId: u, correlationId: "t", area: "FLOOR", quantity: 4 })).toMatchObject({ ok: true });
    expect(await stub.reserve({ userId: u, correlationId: "t", seatIds: seats(1, 4, 2) })).toMatchObject({ ok: true });
    expect(await stub.reserve({ userId: u, correlationId: "t", seatIds: seats(5, 1, 2) })).toMatchObject({ ok: false, code: "hold_limit_reached", extras: { held_seats: 8, max_held_seats: 8 } });
  });

  it("defaults to 8 seats when the deployment names no cap", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    expect(await stub.reserve({ userId: u, correlationId: "t", area: "FLOOR", quantity: 8 })).toMatchObject({ ok: true });
    expect(await stub.reserve({ userId: u, correlationId: "t", seatIds: ["A-2-1"] })).toMatchObject({ ok: false, code: "hold_limit_reached", extras: { held_seats: 8, max_held_seats: 8 } });
  });
});

describe("EventRoom: replays say what became of the booking", () => {
  const replayOf = async (stub: DurableObjectStub<EventRoom>, u: string, key: string) =>
    stub.reserve({ userId: u, correlationId: "t", idempotency: { key, bodyHash: "h" }, seatIds: ["A-2-9"] });

  it("answers a replay with the booking as it is now: reserved, cancelled, confirmed, expired", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    const first = await replayOf(stub, u, "k");
    if (!first.ok) throw new Error("reserve failed");
    await stub.attachPayment(first.value.booking.booking_id, "pi_replay", "simulator", "t");
    expect(await replayOf(stub, u, "k")).toMatchObject({ ok: true, value: { replayed: true, booking: { booking_id: first.value.booking.booking_id, status: "reserved" }, paymentIntentId: "pi_replay" } });
    // Declined: the hold is cancelled. The buyer then pays with another card: confirmed.
    await stub.paymentFailed(paid(first.value.booking, "pi_replay"));
    expect(await replayOf(stub, u, "k")).toMatchObject({ ok: true, value: { replayed: true, booking: { status: "cancelled" } } });
    await stub.paymentSucceeded(paid(first.value.booking, "pi_replay"));
    expect(await replayOf(stub, u, "k")).toMatchObject({ ok: true, value: { booking: { status: "confirmed" } } });
    // The replay held nothing: the seat was taken once.
    expect((await stub.stats()).seats).toMatchObject({ sold: 1, held: 0 });

    const v = user();
    const lapsing = await replayOf(stub, v, "k2");
    expect(lapsing).toMatchObject({ ok: false, code: "seats_unavailable" });
    const other = await stub.reserve({ userId: v, correlationId: "t", idempotency: { key: "k3", bodyHash: "h3" }, seatIds: ["A-2-8"] });
    if (!other.ok) throw new Error("reserve failed");
    await runInDurableObject(stub, (_o, state) => state.storage.sql.exec("UPDATE bookings SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, other.value.booking.booking_id));
    await runDurableObjectAlarm(stub);
    expect(await stub.reserve({ userId: v, correlationId: "t", idempotency: { key: "k3", bodyHash: "h3" }, seatIds: ["A-2-8"] }))
      .toMatchObject({ ok: true, value: { replayed: true, booking: { booking_id: other.value.booking.booking_id, status: "expired" } } });
  });

  it("still answers a replay after the sale was closed, and refuses a new booking", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    const first = await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k", bodyHash: "h" }, seatIds: ["A-2-7"] });
    if (!first.ok) throw new Error("reserve failed");
    await stub.close("t");
    expect(await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k", bodyHash: "h" }, seatIds: ["A-2-7"] }))
      .toMatchObject({ ok: true, value: { replayed: true, booking: { status: "cancelled" } } });
    expect(await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k", bodyHash: "other" }, seatIds: ["A-2-6"] })).toMatchObject({ ok: false, code: "idempotency_key_reused" });
    expect(await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "new", bodyHash: "h" }, seatIds: ["A-2-6"] })).toMatchObject({ ok: false, code: "event_not_on_sale" });
  });
});

describe("EventRoom: the terms of the sale", () => {
  const terms = (over: Partial<SaleTerms> = {}): SaleTerms => ({
    startsAt: new Date(Date.now() + 30 * 86400_000).toISOString(), refundWindowHours: 24, rescheduledAt: null, version: 1, ...over,
  });

  it("stops selling at the start, for seats, places and the queue, but still answers replays", async () => {
    const { stub, config } = freshRoom({ terms: terms() });
    await stub.configure(config);
    const u = user();
    const before = await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k", bodyHash: "h" }, seatIds: ["A-1-1"] });
    expect(before).toMatchObject({ ok: true });
    // The date moves to a moment just passed (as far as this room's clock is concerned).
    expect(await stub.setTerms(terms({ startsAt: new Date(Date.now() - 1).toISOString(), version: 2 }))).toMatchObject({ applied: true });
    expect(await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-2"] })).toMatchObject({ ok: false, status: 409, code: "sales_closed" });
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 1 })).toMatchObject({ ok: false, status: 409, code: "sales_closed" });
    await stub.configureQueue({ enabled: true, on_sale_at: new Date(Date.now() - 1000).toISOString(), admit_per_minute: 60, max_active: 10, session_minutes: 5 });
    // Joins go to the event's queue shards, which the room told of the terms.
    const shards = await stub.queueWatermark();
    expect(shards.shards.length).toBeGreaterThan(0);
    for (let k = 0; k < shards.shards.length; k++) {
      expect(await queueShard(env.QUEUE_SHARD, config.eventId, k).join(user())).toMatchObject({ ok: false, status: 409, code: "sales_closed" });
    }
    expect(await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k", bodyHash: "h" }, seatIds: ["A-1-1"] })).toMatchObject({ ok: true, value: { replayed: true } });
    // Moved later again: selling resumes.
    await stub.setTerms(terms({ version: 3 }));
    expect(await stub.reserve({ userId: user(), correlationId: "t", admission: null, seatIds: ["A-1-3"] })).toMatchObject({ ok: false, code: "queue_required" });
  });

  it("keeps the newest terms when updates arrive out of order, and shows the refund deadline on bookings", async () => {
    const { stub, config } = freshRoom({ terms: terms({ version: 10 }) });
    await stub.configure(config);
    const start = Date.now() + 10 * 86400_000;
    const moved = terms({ startsAt: new Date(start).toISOString(), rescheduledAt: new Date().toISOString(), refundWindowHours: 48, version: 20 });
    expect(await stub.setTerms(moved)).toMatchObject({ applied: true });
    expect(await stub.setTerms(terms({ version: 15 }))).toMatchObject({ applied: false, terms: moved });
    expect(await stub.configure({ ...config, terms: terms({ version: 5 }) })).toEqual({ status: "on_sale" });
    const r = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-4"] });
    if (!r.ok) throw new Error("reserve failed");
    // Rescheduled: at least 7 days from the move, never less than the regular 48 hours before the start.
    const regular = start - 48 * 3600_000;
    expect(Date.parse(r.value.booking.refund_closes_at!)).toBeGreaterThanOrEqual(regular);
    expect(Date.parse(r.value.booking.refund_closes_at!)).toBeGreaterThan(Date.now() + 7 * 86400_000 - 60_000);
    expect((await stub.getBooking(r.value.booking.booking_id))!.refund_closes_at).toBe(r.value.booking.refund_closes_at);
  });
});
