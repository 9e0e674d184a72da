import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventRoom } from "../../durable-objects/event-room";
import type { BookingView } from "../../durable-objects/event-room/contract";
import { expandSeats, type SeatMap } from "../../src/domain/seat-map";

// The saga's steps inside the EventRoom, including the hard cases: late money, races with the
// expiry alarm, duplicate and out-of-order webhooks. The webhook route calls exactly these methods.
const MAP: SeatMap = { sections: [{ name: "A", price: 150000, rows: [{ label: "1", seats: 4 }] }], areas: [{ name: "GA", price: 50000, capacity: 4 }] };

async function room() {
  const eventId = crypto.randomUUID();
  const stub = env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(eventId));
  await stub.configure({ eventId, organizerId: crypto.randomUUID(), currency: "KRW", seats: expandSeats(MAP), areas: MAP.areas });
  return stub;
}

async function hold(stub: DurableObjectStub<EventRoom>, seatIds: string[]): Promise<BookingView> {
  const r = await stub.reserve({ userId: crypto.randomUUID(), correlationId: "t", seatIds });
  if (!r.ok) throw new Error(`reserve failed: ${r.code}`);
  return r.value.booking;
}

const pay = (b: BookingView, intentId = `pi_${b.booking_id.slice(0, 8)}`, amount = b.total_amount) =>
  ({ bookingId: b.booking_id, intentId, provider: "stripe" as const, amount, currency: "KRW", correlationId: "t" });

const typesOf = (stub: DurableObjectStub<EventRoom>) => runInDurableObject(stub, (_o, s) =>
  s.storage.sql.exec<{ message: string }>("SELECT message FROM outbox ORDER BY seq").toArray()
    .map((r) => (JSON.parse(r.message) as { envelope: { event_type: string } }).envelope.event_type));
const tasks = (stub: DurableObjectStub<EventRoom>) => runInDurableObject(stub, (_o, s) =>
  s.storage.sql.exec<{ kind: string; reason: string; intent_id: string }>("SELECT kind, reason, intent_id FROM tasks ORDER BY id").toArray().map((t) => ({ ...t })));
/**
 * The room's alarm, run until nothing it owes is due (lapsed holds released, provider tasks done).
 * The room may also have fired its own alarm in the background (a wake for "now"), which can
 * leave none set for `runDurableObjectAlarm`: so the alarm is set, run, and checked again, bounded
 * by a count, never by a clock.
 */
const settleAlarms = async (stub: DurableObjectStub<EventRoom>) => {
  for (let i = 0; i < 20; i++) {
    await runInDurableObject(stub, (_o, s) => s.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
    const owed = await runInDurableObject(stub, (_o, s) => s.storage.sql.exec<{ n: number }>(
      "SELECT (SELECT count(*) FROM bookings WHERE status = 'reserved' AND expires_at <= ?) + (SELECT count(*) FROM tasks WHERE due_at <= ? AND attempts = 0) AS n",
      Date.now(), Date.now()).one().n);
    if (owed === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
};
/** Time passes: every open hold's expiry moves into the past, and the alarm settles what is due. */
const lapse = async (stub: DurableObjectStub<EventRoom>) => {
  await expireHolds(stub);
  await settleAlarms(stub);
};
const expireHolds = (stub: DurableObjectStub<EventRoom>) => runInDurableObject(stub, (_o, s) => {
  s.storage.sql.exec("UPDATE bookings SET expires_at = ? WHERE status = 'reserved'", Date.now() - 1);
});

describe("payment saga in the EventRoom", () => {
  it("confirms a held booking, issues one ticket per seat, and announces it", async () => {
    const stub = await room();
    const b = await hold(stub, ["A-1-1", "A-1-2"]);
    expect(await stub.attachPayment(b.booking_id, "pi_1", "stripe", "t")).toEqual({ ok: true, value: { changed: true, intentId: "pi_1" } });
    expect(await stub.attachPayment(b.booking_id, "pi_1", "stripe", "t")).toEqual({ ok: true, value: { changed: false, intentId: "pi_1" } });
    expect(await stub.paymentSucceeded(pay(b, "pi_1"))).toMatchObject({ outcome: "confirmed", booking: { status: "confirmed" } });
    const tickets = await stub.tickets(b.booking_id);
    expect(tickets.map((t) => t.item_id)).toEqual(["A-1-1", "A-1-2"]);
    expect(new Set(tickets.map((t) => t.ticket_id)).size).toBe(2);
    const secrets = await runInDurableObject(stub, (_o, s) => s.storage.sql.exec<{ secret: string }>("SELECT secret FROM tickets").toArray().map((r) => r.secret));
    expect(new Set(secrets).size).toBe(2);
    expect(await typesOf(stub)).toEqual(["BookingCreated", "SeatsReserved", "PaymentIntentCreated", "PaymentSucceeded", "TicketIssued", "TicketIssued", "BookingConfirmed", "SeatsConfirmed"]);
  });

  it("handles the same webhook delivered twice at once as one payment", async () => {
    const stub = await room();
    const b = await hold(stub, ["A-1-3"]);
    const [x, y] = await Promise.all([stub.paymentSucceeded(pay(b)), stub.paymentSucceeded(pay(b))]);
    expect([x.outcome, y.outcome].sort()).toEqual(["already_confirmed", "confirmed"]);
    expect((await typesOf(stub)).filter((t) => t === "PaymentSucceeded")).toHaveLength(1);
    expect((await stub.stats()).seats.sold).toBe(1);
  });

  it("confirms a payment that arrives after the hold lapsed if the seats are still free", async () => {
    const stub = await room();
    const b = await hold(stub, ["A-1-1"]);
    await stub.attachPayment(b.booking_id, "pi_late", "stripe", "t");
    await lapse(stub);
    expect((await stub.getBooking(b.booking_id))?.status).toBe("expired");
    expect(await stub.paymentSucceeded(pay(b, "pi_late"))).toMatchObject({ outcome: "confirmed", booking: { status: "confirmed" } });
    expect((await stub.stats()).seats).toMatchObject({ sold: 1, held: 0 });
  });

  it("refunds a late payment when the seats were sold meanwhile, and records why", async () => {
    const stub = await room();
    const b = await hold(stub, ["A-1-2"]);
    await stub.attachPayment(b.booking_id, "pi_lost", "stripe", "t");
    await lapse(stub);
    const rival = await hold(stub, ["A-1-2"]);
    expect(await stub.paymentSucceeded(pay(b, "pi_lost"))).toMatchObject({ outcome: "refund_queued", reason: "seats_taken_after_hold_lapsed" });
    expect((await stub.getBooking(b.booking_id))?.status).toBe("expired");
    expect((await stub.getBooking(rival.booking_id))?.status).toBe("reserved");
    expect(await tasks(stub)).toContainEqual({ kind: "refund", reason: "seats_taken_after_hold_lapsed", intent_id: "pi_lost" });
  });

  it("lets success race the expiry alarm without double-selling or losing the money", async () => {
    const stub = await room();
    const b = await hold(stub, ["A-1-4"]);
    await expireHolds(stub);
    const [, outcome] = await Promise.all([runDurableObjectAlarm(stub), stub.paymentSucceeded(pay(b))]);
    // Whichever ran first, the seat was free for this booking: it ends confirmed, sold once, nothing refunded.
    expect(outcome).toMatchObject({ outcome: "confirmed" });
    expect((await stub.getBooking(b.booking_id))?.status).toBe("confirmed");
    expect((await stub.stats()).seats).toMatchObject({ sold: 1, held: 0 });
    expect((await tasks(stub)).filter((t) => t.kind === "refund")).toEqual([]);
  });

  it("cancels on a declined card, then honours a later success for the same intent", async () => {
    const stub = await room();
    const b = await hold(stub, ["A-1-1"]);
    await stub.attachPayment(b.booking_id, "pi_retry", "stripe", "t");
    expect(await stub.paymentFailed(pay(b, "pi_retry"))).toEqual({ ok: true, value: { changed: true, status: "cancelled" } });
    expect((await stub.stats()).seats.held).toBe(0);
    // The intent was not cancelled at the provider: the buyer may retry with another card.
    expect(await tasks(stub)).toEqual([]);
    expect(await stub.paymentSucceeded(pay(b, "pi_retry"))).toMatchObject({ outcome: "confirmed" });
    // A stale failure delivered after the success changes nothing.
    expect(await stub.paymentFailed(pay(b, "pi_retry"))).toEqual({ ok: true, value: { changed: false, status: "confirmed" } });
  });

  it("refunds money it cannot honour: wrong amount, second payment, cancelled booking", async () => {
    const stub = await room();
    const wrong = await hold(stub, ["A-1-1"]);
    expect(await stub.paymentSucceeded(pay(wrong, "pi_wrong", 1))).toMatchObject({ outcome: "refund_queued", reason: "amount_mismatch" });
    const twice = await hold(stub, ["A-1-2"]);
    await stub.paymentSucceeded(pay(twice, "pi_a"));
    expect(await stub.paymentSucceeded(pay(twice, "pi_b"))).toMatchObject({ outcome: "refund_queued", reason: "duplicate_payment" });
    const gone = await hold(stub, ["A-1-3"]);
    await stub.cancel(gone.booking_id, "t", { userId: gone.user_id, isStaff: false });
    expect(await stub.paymentSucceeded(pay(gone, "pi_gone"))).toMatchObject({ outcome: "refund_queued", reason: "booking_cancelled" });
    expect((await tasks(stub)).filter((t) => t.kind === "refund").map((t) => t.intent_id).sort()).toEqual(["pi_b", "pi_gone", "pi_wrong"]);
    expect(await stub.paymentSucceeded({ ...pay(gone), bookingId: crypto.randomUUID() })).toEqual({ outcome: "unknown_booking" });
  });

  it("cancels the intent of a hold that lapses, and of one the buyer cancels, at the provider", async () => {
    const stub = await room();
    const sim = env.PAYMENT_SIMULATOR.get(env.PAYMENT_SIMULATOR.idFromName("simulator"));
    const intentFor = (b: BookingView) => sim.create({ bookingId: b.booking_id, eventId: b.event_id, userId: b.user_id, amount: b.total_amount, currency: "KRW" }, "http://127.0.0.1:9/none");
    const b = await hold(stub, ["A-1-1"]);
    const pb = await intentFor(b);
    await stub.attachPayment(b.booking_id, pb.id, "simulator", "t");
    const c = await hold(stub, ["A-1-2"]);
    const pc = await intentFor(c);
    await stub.attachPayment(c.booking_id, pc.id, "simulator", "t");
    await stub.cancel(c.booking_id, "t", { userId: c.user_id, isStaff: false });
    await lapse(stub);
    expect((await sim.retrieve(pb.id))?.status).toBe("canceled");
    expect((await sim.retrieve(pc.id))?.status).toBe("canceled");
    expect(await tasks(stub)).toEqual([]);
  });

  it("keeps the first intent a booking got: a second one (a provider that made two) is cancelled at the provider", async () => {
    const stub = await room();
    const sim = env.PAYMENT_SIMULATOR.get(env.PAYMENT_SIMULATOR.idFromName("simulator"));
    const b = await hold(stub, ["A-1-4"]);
    const intent = (bookingId: string) => sim.create({ bookingId, eventId: b.event_id, userId: b.user_id, amount: b.total_amount, currency: "KRW" }, "http://127.0.0.1:9/none");
    const first = await intent(b.booking_id);
    const second = await intent(crypto.randomUUID());
    const [one, two] = await Promise.all([stub.attachPayment(b.booking_id, first.id, "simulator", "t"), stub.attachPayment(b.booking_id, second.id, "simulator", "t")]);
    expect(one).toEqual({ ok: true, value: { changed: true, intentId: first.id } });
    expect(two).toEqual({ ok: true, value: { changed: false, intentId: first.id } });
    expect(await tasks(stub)).toEqual([{ kind: "cancel_intent", reason: "duplicate_intent", intent_id: second.id }]);
    await settleAlarms(stub);
    expect((await sim.retrieve(second.id))?.status).toBe("canceled");
    expect((await sim.retrieve(first.id))?.status).toBe("requires_payment_method");
    expect(await stub.getBooking(b.booking_id)).toMatchObject({ status: "reserved" });
  });

  it("refunds on request: refunded only when the money is back, tickets void, seats released", async () => {
    const stub = await room();
    const b = await hold(stub, ["A-1-1"]);
    await stub.paymentSucceeded(pay(b, "pi_r"));
    expect(await stub.requestRefund(b.booking_id, "requested_by_buyer")).toMatchObject({ ok: true, value: { changed: true, booking: { status: "confirmed" } } });
    expect(await stub.requestRefund(b.booking_id, "requested_by_buyer")).toMatchObject({ ok: true, value: { changed: false } });
    // The provider does not know this made-up intent, so the refund fails now and stays queued.
    await runDurableObjectAlarm(stub);
    expect(await tasks(stub)).toContainEqual({ kind: "refund", reason: "requested_by_buyer", intent_id: "pi_r" });
    const done = { ...pay(b, "pi_r"), refundId: "re_1" };
    expect(await stub.refundCompleted(done)).toMatchObject({ ok: true, value: { changed: true, booking: { status: "refunded" } } });
    expect(await stub.refundCompleted(done)).toMatchObject({ ok: true, value: { changed: false } });
    expect((await stub.tickets(b.booking_id)).map((t) => t.status)).toEqual(["void"]);
    expect((await stub.stats()).seats).toMatchObject({ sold: 0, available: 4 });
    expect(await tasks(stub)).toEqual([]);
    const unpaid = await hold(stub, ["A-1-2"]);
    expect(await stub.requestRefund(unpaid.booking_id, "x")).toMatchObject({ ok: false, status: 409, code: "not_refundable" });
  });

  it("cancelling the event refunds every confirmed booking", async () => {
    const stub = await room();
    const a = await hold(stub, ["A-1-1"]);
    const g = await stub.reserve({ userId: crypto.randomUUID(), correlationId: "t", area: "GA", quantity: 2 });
    if (!g.ok) throw new Error("reserve failed");
    await stub.paymentSucceeded(pay(a, "pi_e1"));
    await stub.paymentSucceeded(pay(g.value.booking, "pi_e2"));
    await hold(stub, ["A-1-2"]);
    expect(await stub.close("t")).toEqual({ status: "cancelled", released: 1, refunds: 2 });
    expect((await tasks(stub)).filter((t) => t.kind === "refund").map((t) => t.intent_id).sort()).toEqual(["pi_e1", "pi_e2"]);
  });
});
