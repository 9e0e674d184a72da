import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventRoom } from "../../durable-objects/event-room";
import type { RoomConfig } from "../../durable-objects/room-types";
import { expandSeats, type SeatMap } from "../../src/domain/seat-map";

const MAP: SeatMap = {
  sections: [{ name: "A", price: 150000, rows: [{ label: "1", seats: 10 }, { label: "2", seats: 10 }] }],
  areas: [{ name: "FLOOR", price: 99000, capacity: 10 }],
};

function freshRoom(overrides: Partial<RoomConfig> = {}) {
  const eventId = crypto.randomUUID();
  const stub = env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(eventId));
  const config: RoomConfig = {
    eventId, organizerId: crypto.randomUUID(), currency: "KRW", seats: expandSeats(MAP), areas: MAP.areas,
    holdTtlSeconds: 600, maxPerBooking: 8, ...overrides,
  };
  return { stub, eventId, config };
}

const user = () => crypto.randomUUID();
/** What the webhook handler tells the room when Stripe reports a successful payment. */
const paid = (booking: { booking_id: string; total_amount: number }, intentId = `pi_${booking.booking_id.slice(0, 8)}`) =>
  ({ bookingId: booking.booking_id, intentId, amount: booking.total_amount, currency: "KRW", correlationId: "t" });
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
    expect(first).toMatchObject({ ok: true, booking: { status: "reserved", seats: ["A-1-1", "A-1-2"], total_amount: 300000, currency: "KRW" } });
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
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 6 })).toMatchObject({ ok: true, booking: { total_amount: 6 * 99000 } });
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 5 })).toMatchObject({ ok: false, status: 409, unavailable_seats: ["FLOOR"] });
    expect(await stub.reserve({ userId: user(), correlationId: "t", area: "FLOOR", quantity: 4 })).toMatchObject({ ok: true });
    expect((await stub.stats()).areas).toEqual({ available: 0, held: 10, sold: 0 });
  });

  it("enforces the per-booking limit and rejects unknown seats and areas", async () => {
    const { stub, config } = freshRoom({ maxPerBooking: 4 });
    await stub.configure(config);
    const five = ["A-1-1", "A-1-2", "A-1-3", "A-1-4", "A-1-5"];
    expect(await stub.reserve({ userId: user(), correlationId: "t", seatIds: five })).toMatchObject({ ok: false, status: 422, code: "too_many_seats" });
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
    expect(b.replayed).toBe(true);
    expect(b.booking).toEqual(a.booking);
    expect(await stub.reserve({ userId: u, correlationId: "t", idempotency: { key: "k1", bodyHash: "h2" }, seatIds: ["A-2-2"] }))
      .toMatchObject({ ok: false, status: 422, code: "idempotency_key_reused" });
    // Another account may use the same key for its own request.
    expect(await stub.reserve({ userId: user(), correlationId: "t", idempotency: { key: "k1", bodyHash: "h2" }, seatIds: ["A-2-2"] })).toMatchObject({ ok: true });
    expect((await stub.stats()).bookings.reserved).toBe(2);
  });

  it("releases a lapsed hold from its alarm and announces it", async () => {
    const { stub, config } = freshRoom({ holdTtlSeconds: 1 });
    await stub.configure(config);
    const r = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-5"] });
    if (!r.ok) throw new Error("reserve failed");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The alarm may already have fired on its own; running it now covers the case where it has not.
    await runDurableObjectAlarm(stub);
    expect((await stub.getBooking(r.booking.booking_id))?.status).toBe("expired");
    expect((await stub.snapshot()).seats.find((s) => s.seat_id === "A-1-5")?.status).toBe("available");
    expect(await outboxTypes(stub)).toEqual(["BookingCreated", "SeatsReserved", "BookingExpired", "SeatsReleased"]);
    // Alarms are at-least-once: running it again changes nothing.
    await runDurableObjectAlarm(stub);
    expect(await outboxTypes(stub)).toHaveLength(4);
    // A lapsed hold cannot be cancelled any more.
    expect(await stub.cancel(r.booking.booking_id, "t", { userId: r.booking.user_id, isStaff: false })).toMatchObject({ ok: false, code: "illegal_transition" });
  });

  it("keeps the alarm at the earliest hold among several", async () => {
    const { stub, config } = freshRoom({ holdTtlSeconds: 1 });
    await stub.configure(config);
    await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-6"] });
    await stub.configure({ ...config, holdTtlSeconds: 600 });
    await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-7"] });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runDurableObjectAlarm(stub);
    const snap = await stub.snapshot();
    expect(snap.seats.find((s) => s.seat_id === "A-1-6")?.status).toBe("available");
    expect(snap.seats.find((s) => s.seat_id === "A-1-7")?.status).toBe("held");
    const next = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    expect(next).not.toBeNull();
    expect(next! - Date.now()).toBeGreaterThan(500_000);
  });

  it("confirms a paid hold into sold, once, and refuses illegal transitions", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    const r = await stub.reserve({ userId: u, correlationId: "t", seatIds: ["A-1-8"] });
    const g = await stub.reserve({ userId: u, correlationId: "t", area: "FLOOR", quantity: 2 });
    if (!r.ok || !g.ok) throw new Error("reserve failed");
    expect(await stub.paymentSucceeded(paid(r.booking))).toMatchObject({ outcome: "confirmed", booking: { status: "confirmed" } });
    expect(await stub.paymentSucceeded(paid(r.booking))).toMatchObject({ outcome: "already_confirmed" });
    expect(await stub.paymentSucceeded(paid(g.booking))).toMatchObject({ outcome: "confirmed" });
    expect(await stub.tickets(g.booking.booking_id)).toHaveLength(2);
    const stats = await stub.stats();
    expect(stats.seats.sold).toBe(1);
    expect(stats.areas).toEqual({ available: 8, held: 0, sold: 2 });
    expect(stats.revenue).toBe(150000 + 2 * 99000);
    expect(await stub.cancel(r.booking.booking_id, "t", { userId: u, isStaff: false })).toMatchObject({ ok: false, status: 409, code: "illegal_transition" });
    expect(await outboxTypes(stub)).toEqual([
      "BookingCreated", "SeatsReserved", "BookingCreated", "SeatsReserved",
      "PaymentSucceeded", "BookingConfirmed", "SeatsConfirmed", "PaymentSucceeded", "BookingConfirmed", "SeatsConfirmed",
    ]);
  });

  it("lets the buyer cancel a hold, and hides it from strangers", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const u = user();
    const r = await stub.reserve({ userId: u, correlationId: "t", seatIds: ["A-1-9", "A-1-10"] });
    if (!r.ok) throw new Error("reserve failed");
    expect(await stub.cancel(r.booking.booking_id, "t", { userId: user(), isStaff: false })).toMatchObject({ ok: false, status: 404 });
    expect(await stub.cancel(r.booking.booking_id, "t", { userId: u, isStaff: false })).toMatchObject({ ok: true, booking: { status: "cancelled" } });
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
    const held = won.flatMap((r) => (r.ok ? r.booking.seats : []));
    expect(new Set(held).size).toBe(held.length);
    const stats = await stub.stats();
    expect(stats.seats.held).toBe(held.length);
    expect(stats.bookings.reserved).toBe(won.length);
    // Every winning booking has its two outbox messages; nothing was lost or duplicated.
    expect(await outboxTypes(stub)).toHaveLength(won.length * 2);
  });
});
