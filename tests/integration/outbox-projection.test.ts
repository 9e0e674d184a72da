import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BookingView } from "../../durable-objects/event-room/contract";
import { recordMessages } from "../../src/pipeline/projection";
import { bookings, events, gaAreas, outbox, seats, tickets, users } from "../../src/db/schema";
import { makeMessage } from "../../src/pipeline/catalogue";
import type { OutboxMessage } from "../../src/pipeline/envelope";
import { closeSharedProxy } from "../../workers/db";
import { DATABASE_URL, EMBEDDED_DATABASE_URL } from "../support/env";
import { countingDb } from "../support/counting-db";
import { testDb } from "../support/db";

type Handle = Awaited<ReturnType<typeof testDb>>;

/** A user, a published event with 10 seats and a 20-place area, straight into Postgres. */
async function eventFixture(h: Handle) {
  const userId = crypto.randomUUID();
  const eventId = crypto.randomUUID();
  await h.db.insert(users).values({ userId, email: `${userId}@t.kr`, passwordHash: "x", name: "t" });
  await h.db.insert(events).values({
    eventId, organizerId: userId, title: "t", category: "concert", venue: "v", startDate: new Date(Date.now() + 86400_000), currency: "KRW",
    seatMap: {}, minPrice: 1000, maxPrice: 1000, totalSeats: 30, status: "published",
  });
  await h.db.insert(seats).values(Array.from({ length: 10 }, (_, i) => ({ eventId, seatId: `A-1-${i + 1}`, section: "A", rowLabel: "1", number: i + 1, price: 1000 })));
  await h.db.insert(gaAreas).values({ eventId, name: "GA", price: 500, capacity: 20 });
  return { userId, eventId };
}

/** The messages an EventRoom writes for a reservation followed by its confirmation. */
function lifecycle(eventId: string, userId: string, seatIds: string[], gaQty: number): OutboxMessage[] {
  return reservation(eventId, userId, seatIds, gaQty).messages;
}

function reservation(eventId: string, userId: string, seatIds: string[], gaQty: number) {
  const bookingId = crypto.randomUUID();
  const items = [
    ...seatIds.map((id) => ({ item_id: id, kind: "seat" as const, quantity: 1, unit_price: 1000 })),
    ...(gaQty ? [{ item_id: "GA", kind: "area" as const, quantity: gaQty, unit_price: 500 }] : []),
  ];
  const view: BookingView = {
    booking_id: bookingId, event_id: eventId, user_id: userId, status: "reserved", seats: seatIds, ...(gaQty ? { area: "GA", quantity: gaQty } : {}),
    items, total_amount: seatIds.length * 1000 + gaQty * 500, currency: "KRW", expires_at: new Date(Date.now() + 600_000).toISOString(), created_at: new Date().toISOString(),
  };
  const inv = { event_id: eventId, booking_id: bookingId, seat_ids: seatIds, area: gaQty ? "GA" : null, quantity: gaQty || null };
  const meta = { correlationId: "test" };
  const messages = [
    makeMessage("BookingCreated", bookingId, { ...view }, meta),
    makeMessage("SeatsReserved", eventId, inv, meta),
    makeMessage("BookingConfirmed", bookingId, { ...view, status: "confirmed", reason: "payment_succeeded", tickets: [] }, meta),
    makeMessage("SeatsConfirmed", eventId, { ...inv, from: "held" }, meta),
  ];
  return { view, inv, messages };
}

async function state(h: Handle, eventId: string, ids: string[]) {
  const s = await h.db.select({ status: seats.status, n: sql<number>`count(*)::int` }).from(seats).where(eq(seats.eventId, eventId)).groupBy(seats.status);
  const [ga] = await h.db.select().from(gaAreas).where(eq(gaAreas.eventId, eventId));
  const b = await h.db.select({ status: bookings.status }).from(bookings).where(eq(bookings.eventId, eventId));
  const [o] = await h.db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(inArray(outbox.messageId, ids));
  return { seats: Object.fromEntries(s.map((r) => [r.status, r.n])), ga: { held: ga!.held, sold: ga!.sold }, bookings: b.map((r) => r.status).sort(), outbox: o!.n };
}

describe.each([["PostgreSQL", DATABASE_URL], ["the embedded default", EMBEDDED_DATABASE_URL]])("EventRoom outbox → %s", (_name, url) => {
  let h: Handle;
  const made: string[] = [];
  beforeAll(async () => { h = await testDb(url); });
  afterAll(async () => {
    // These bookings are confirmed by hand-made messages with no payment behind them: gone with
    // their events, so the database stays one where every confirmed booking was paid (the
    // payment invariant other files check over everything).
    if (made.length) {
      await h.db.execute(sql`DELETE FROM tickets WHERE event_id IN (${sql.join(made.map((id) => sql`${id}::uuid`), sql`, `)})`);
      await h.db.execute(sql`DELETE FROM payments WHERE event_id IN (${sql.join(made.map((id) => sql`${id}::uuid`), sql`, `)})`);
      await h.db.delete(bookings).where(inArray(bookings.eventId, made));
      await h.db.delete(seats).where(inArray(seats.eventId, made));
      await h.db.delete(gaAreas).where(inArray(gaAreas.eventId, made));
      await h.db.delete(events).where(inArray(events.eventId, made));
    }
    await h.close();
    await closeSharedProxy();
  });
  const fixture = async (handle: Handle) => {
    const f = await eventFixture(handle);
    made.push(f.eventId);
    return f;
  };

  it("applies a batch once, however often it is delivered", async () => {
    const { userId, eventId } = await fixture(h);
    const msgs = [...lifecycle(eventId, userId, ["A-1-1", "A-1-2"], 3), ...lifecycle(eventId, userId, ["A-1-3"], 0)];
    const ids = msgs.map((m) => m.envelope.event_id);
    expect(await recordMessages(h.db, msgs)).toEqual({ applied: 8, duplicates: 0 });
    const once = await state(h, eventId, ids);
    expect(once).toEqual({ seats: { available: 7, sold: 3 }, ga: { held: 0, sold: 3 }, bookings: ["confirmed", "confirmed"], outbox: 8 });
    // Delivered again whole, and again as an overlapping tail: nothing moves.
    expect(await recordMessages(h.db, msgs)).toEqual({ applied: 0, duplicates: 8 });
    expect(await recordMessages(h.db, msgs.slice(5))).toEqual({ applied: 0, duplicates: 3 });
    expect(await state(h, eventId, ids)).toEqual(once);
  });

  it("converges after a crash between the Postgres commit and the room's acknowledgement", async () => {
    const { userId, eventId } = await fixture(h);
    const msgs = lifecycle(eventId, userId, ["A-1-4"], 2);
    const ids = msgs.map((m) => m.envelope.event_id);
    // Failure injection: the write commits, then the process "dies" before the room marks the rows sent.
    const crashAfterWrite = async (batch: OutboxMessage[]) => {
      await recordMessages(h.db, batch);
      throw new Error("injected crash after commit");
    };
    await expect(crashAfterWrite(msgs.slice(0, 2))).rejects.toThrow("injected");
    // The room retries everything still unacknowledged, plus what it wrote since.
    expect(await recordMessages(h.db, msgs)).toEqual({ applied: 2, duplicates: 2 });
    expect(await state(h, eventId, ids)).toEqual({ seats: { available: 9, sold: 1 }, ga: { held: 0, sold: 2 }, bookings: ["confirmed"], outbox: 4 });
  });

  it("folds a hold and its release inside one batch to the final state", async () => {
    const { userId, eventId } = await fixture(h);
    const { view, inv, messages: [created, reserved] } = reservation(eventId, userId, ["A-1-7", "A-1-8"], 4);
    const released = [
      makeMessage("BookingCancelled", view.booking_id, { ...view, status: "cancelled", reason: "cancelled_by_user" }, { correlationId: "t" }),
      makeMessage("SeatsReleased", eventId, { ...inv, from: "held" }, { correlationId: "t" }),
    ];
    const again = lifecycle(eventId, userId, ["A-1-8"], 1).slice(0, 2);
    const msgs = [created!, reserved!, ...released, ...again];
    expect(await recordMessages(h.db, msgs)).toEqual({ applied: 6, duplicates: 0 });
    const st = await state(h, eventId, msgs.map((m) => m.envelope.event_id));
    expect(st).toEqual({ seats: { available: 9, held: 1 }, ga: { held: 1, sold: 0 }, bookings: ["cancelled", "reserved"], outbox: 6 });
  });

  it("rolls the whole batch back when one message cannot be applied", async () => {
    const { userId, eventId } = await fixture(h);
    const good = lifecycle(eventId, userId, ["A-1-5"], 0);
    // A booking for an event Postgres does not know violates a foreign key.
    const bad = lifecycle(crypto.randomUUID(), userId, ["A-1-6"], 0);
    await expect(recordMessages(h.db, [...good.slice(0, 2), ...bad.slice(0, 1)])).rejects.toThrow();
    const ids = good.map((m) => m.envelope.event_id);
    expect((await state(h, eventId, ids)).outbox).toBe(0);
    expect(await recordMessages(h.db, good)).toEqual({ applied: 4, duplicates: 0 });
  });

  it("applies a whole batch in one statement, however many messages, tables and payments it holds", async () => {
    const { userId, eventId } = await fixture(h);
    const msgs = [...lifecycle(eventId, userId, ["A-1-9"], 2), ...lifecycle(eventId, userId, ["A-1-10"], 3)];
    const payments = msgs.filter((m) => m.envelope.event_type === "BookingCreated").map((m) => {
      const b = m.envelope.data;
      return makeMessage("PaymentIntentCreated", String(b.booking_id), {
        booking_id: String(b.booking_id), event_id: eventId, user_id: userId, payment_intent_id: `pi_${crypto.randomUUID()}`, amount: 1000, currency: "KRW", provider: "simulator",
      }, { correlationId: "t" });
    });
    const counting = countingDb(h.pool);
    expect(await recordMessages(counting.db, [...msgs, ...payments])).toEqual({ applied: 10, duplicates: 0 });
    expect(counting.statements()).toBe(1);
    expect(await state(h, eventId, msgs.map((m) => m.envelope.event_id))).toEqual({ seats: { available: 8, sold: 2 }, ga: { held: 0, sold: 5 }, bookings: ["confirmed", "confirmed"], outbox: 8 });
  });

  it("applies a message that appears twice in one batch once", async () => {
    const { userId, eventId } = await fixture(h);
    const msgs = lifecycle(eventId, userId, ["A-1-1"], 4);
    const twice = [msgs[0]!, msgs[1]!, msgs[1]!, msgs[2]!, msgs[3]!, msgs[3]!];
    expect(await recordMessages(h.db, twice)).toEqual({ applied: 4, duplicates: 2 });
    expect(await state(h, eventId, msgs.map((m) => m.envelope.event_id))).toEqual({ seats: { available: 9, sold: 1 }, ga: { held: 0, sold: 4 }, bookings: ["confirmed"], outbox: 4 });
  });

  it("reaches the same state when a booking's messages arrive out of order, newest first", async () => {
    const { userId, eventId } = await fixture(h);
    const { view, inv, messages: [created, reserved, , soldNow] } = reservation(eventId, userId, ["A-1-2", "A-1-3"], 2);
    const ticketIds = [crypto.randomUUID(), crypto.randomUUID()];
    // Made a second apart, as a sale and its refund are (a tie in time is resolved by arrival).
    const later = (m: OutboxMessage, s: number): OutboxMessage => ({ ...m, envelope: { ...m.envelope, timestamp: new Date(Date.parse(m.envelope.timestamp) + s * 1000).toISOString() } });
    const withTickets = later(makeMessage("BookingConfirmed", view.booking_id, { ...view, status: "confirmed", reason: "payment_succeeded", tickets: ticketIds.map((t, i) => ({ ticket_id: t, item_id: `A-1-${i + 2}` })) }, { correlationId: "t" }), 1);
    const sold = later(soldNow!, 1);
    const refunded = later(makeMessage("RefundProcessed", view.booking_id, { ...view, status: "refunded", reason: "requested_by_buyer", payment_intent_id: null }, { correlationId: "t" }), 2);
    const released = later(makeMessage("SeatsReleased", eventId, { ...inv, from: "sold" }, { correlationId: "t" }), 2);
    // The refund first, then the reservation, then the sale: three batches, each older than the last.
    expect(await recordMessages(h.db, [refunded, released])).toEqual({ applied: 2, duplicates: 0 });
    expect(await recordMessages(h.db, [created!, reserved!])).toEqual({ applied: 2, duplicates: 0 });
    expect(await recordMessages(h.db, [withTickets, sold])).toEqual({ applied: 2, duplicates: 0 });
    const ids = [refunded, released, created!, reserved!, withTickets, sold].map((m) => m.envelope.event_id);
    expect(await state(h, eventId, ids)).toEqual({ seats: { available: 10 }, ga: { held: 0, sold: 0 }, bookings: ["refunded"], outbox: 6 });
    const t = await h.db.select({ status: tickets.status }).from(tickets).where(inArray(tickets.ticketId, ticketIds));
    expect(t.map((r) => r.status)).toEqual(["void", "void"]);
    const [b] = await h.db.select({ expires: bookings.expiresAt }).from(bookings).where(eq(bookings.bookingId, view.booking_id));
    expect(b?.expires.toISOString()).toBe(view.expires_at);
  });

  it("applies each message once when many flushes deliver overlapping batches at once", async () => {
    const { userId, eventId } = await fixture(h);
    const msgs = Array.from({ length: 8 }, (_, i) => lifecycle(eventId, userId, [`A-1-${i + 1}`], 2)).flat();
    // 16 callers at once, each with a different overlapping slice (and some with all of it).
    const slices = Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? msgs : msgs.slice((i * 3) % 20, ((i * 3) % 20) + 14)));
    const results = await Promise.all(slices.map((batch) => recordMessages(h.db, batch)));
    expect(results.reduce((n, r) => n + r.applied, 0)).toBe(msgs.length);
    expect(await state(h, eventId, msgs.map((m) => m.envelope.event_id))).toEqual({ seats: { available: 2, sold: 8 }, ga: { held: 0, sold: 16 }, bookings: Array(8).fill("confirmed"), outbox: 32 });
  });
});
