import { and, eq, sql, type SQL } from "drizzle-orm";
import { isDeepStrictEqual } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { outbox, paymentEvents, payments, tickets, users } from "../../src/db/schema";
import { api, eventually, inDays, publishedEvent, register, type Session } from "../support/api";
import { BASE_URL } from "../support/env";
import { testDb } from "../support/db";
import { intentObject, postWebhook, signedEvent } from "../support/stripe";
import { openCheckout } from "../support/saga";

// The whole saga against the running Worker in its embedded default: the payment simulator
// delivers Stripe-signed webhooks to our own endpoint, so verification and saga code run for real.
type Booking = {
  booking_id: string; event_id: string; user_id: string; status: string; total_amount: number; seats: string[];
  payment: { payment_intent_id: string; client_secret?: string; checkout_url?: string; status: string } | null;
};

let organizer: Session;
let fan: Session;
let eventId: string;
beforeAll(async () => {
  organizer = await register("organizer");
  fan = await register();
  eventId = await publishedEvent(organizer);
});

/** A hold with its checkout opened (POST /api/bookings/{id}/payment), as a buyer's browser does. */
const book = async (who: Session, seat_ids: string[], event = eventId): Promise<Booking> => {
  const r = await api<Booking>("/api/bookings", { token: who.access, body: { event_id: event, seat_ids } });
  if (r.status !== 201) throw new Error(`booking failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body, payment: await openCheckout(who.access, r.body.booking_id) };
};
const checkout = (b: Booking, outcome: "succeeded" | "failed", deliver_webhook = true) =>
  api(`/api/payment/simulator/${b.payment!.payment_intent_id}/complete`, { body: { client_secret: b.payment!.client_secret, outcome, deliver_webhook } });
const statusOf = (b: Booking, who: Session, want: string) => eventually(async () => {
  const r = await api<Booking>(`/api/bookings/${b.booking_id}`, { token: who.access });
  return r.status === 200 && r.body.status === want ? r.body : undefined;
}, 30_000, `booking ${b.booking_id} to become ${want}`);
const seatStatus = async (seat: string, event = eventId) =>
  (await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${event}/seats`)).body.seats.find((s) => s.seat_id === seat)?.status;
/** The seat map is the edge's copy, at most a second old: wait (bounded) until the seat shows `want`. */
const seatShows = (seat: string, want: string, event = eventId) =>
  eventually(async () => ((await seatStatus(seat, event)) === want ? want : undefined), 20_000, `${seat} to show ${want}`);

describe("payment saga over HTTP (simulator)", () => {
  it("creates a PaymentIntent per booking and confirms it when the buyer pays", async () => {
    const b = await book(fan, ["A-1-1", "A-1-2"]);
    expect(b.payment).toMatchObject({ status: "requires_payment_method" });
    expect(b.payment!.payment_intent_id).toMatch(/^pi_/);
    expect(b.payment!.client_secret).toContain("_secret_");
    const page = await fetch(new URL(b.payment!.checkout_url!, BASE_URL));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("₩300,000");
    expect((await checkout(b, "succeeded")).status).toBe(202);
    const confirmed = await statusOf(b, fan, "confirmed");
    expect(confirmed.payment).toMatchObject({ payment_intent_id: b.payment!.payment_intent_id, status: "succeeded" });
    expect(await seatShows("A-1-1", "sold")).toBe("sold");
    const { db, close } = await testDb();
    const t = await db.select().from(tickets).where(eq(tickets.bookingId, b.booking_id));
    await close();
    expect(t.map((x) => x.itemId).sort()).toEqual(["A-1-1", "A-1-2"]);
    expect(t.every((x) => x.status === "valid")).toBe(true);
    // Paying again is refused by the checkout; the intent is final.
    expect((await checkout(b, "succeeded")).status).toBe(409);
  });

  it("cancels the booking and frees its seats when the card is declined", async () => {
    const b = await book(fan, ["A-1-3"]);
    await checkout(b, "failed");
    await statusOf(b, fan, "cancelled");
    expect(await seatShows("A-1-3", "available")).toBe("available");
  });

  it("refuses webhooks with a missing, wrong or stale signature, changing nothing", async () => {
    const b = await book(fan, ["A-1-4"]);
    const good = signedEvent("payment_intent.succeeded", intentObject(b.payment!.payment_intent_id, b));
    expect((await api("/api/payment/webhook", { raw: good.payload })).status).toBe(400);
    expect((await postWebhook({ payload: good.payload, header: good.header.replace(/v1=[0-9a-f]{4}/, "v1=0000") })).body.code).toBe("invalid_signature");
    const forged = signedEvent("payment_intent.succeeded", intentObject(b.payment!.payment_intent_id, b), { secret: "whsec_not_ours" });
    expect((await postWebhook(forged)).status).toBe(400);
    const stale = signedEvent("payment_intent.succeeded", intentObject(b.payment!.payment_intent_id, b), { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect((await postWebhook(stale)).status).toBe(400);
    const tampered = { payload: good.payload.replace(`"amount":${b.total_amount}`, `"amount":1`), header: good.header };
    expect((await postWebhook(tampered)).status).toBe(400);
    expect(await seatShows("A-1-4", "held")).toBe("held");
    const { db, close } = await testDb();
    const seen = await db.select().from(paymentEvents).where(eq(paymentEvents.stripeEventId, JSON.parse(good.payload).id));
    await close();
    expect(seen).toEqual([]);
  });

  it("handles one webhook delivered several times at once exactly once", async () => {
    const b = await book(fan, ["A-1-5"]);
    const e = signedEvent("payment_intent.succeeded", intentObject(b.payment!.payment_intent_id, b));
    const all = await Promise.all(Array.from({ length: 5 }, () => postWebhook(e)));
    expect(all.every((r) => r.status === 200)).toBe(true);
    // One delivery confirms; the others either raced it (the room says already_confirmed) or
    // came after it finished (the dedupe table answers with the first one's outcome).
    expect(all.filter((r) => r.body.outcome === "confirmed" && !r.body.duplicate)).toHaveLength(1);
    expect(all.every((r) => r.body.outcome === "confirmed" || r.body.outcome === "already_confirmed")).toBe(true);
    const later = await postWebhook(e);
    expect(later.body.duplicate).toBe(true);
    expect(["confirmed", "already_confirmed"]).toContain(later.body.outcome);
    await statusOf(b, fan, "confirmed");
    const { db, close } = await testDb();
    const [n] = await db.select({ n: sql<number>`count(*)::int` }).from(outbox)
      .where(and(eq(outbox.aggregateId, b.booking_id), eq(outbox.eventType, "PaymentSucceeded")));
    await close();
    expect(n!.n).toBe(1);
  });

  it("takes a failure and a success for one intent in either order", async () => {
    // Success delivered before an older failure: the failure changes nothing.
    const a = await book(fan, ["A-1-6"]);
    expect((await postWebhook(signedEvent("payment_intent.succeeded", intentObject(a.payment!.payment_intent_id, a)))).body.outcome).toBe("confirmed");
    expect((await postWebhook(signedEvent("payment_intent.payment_failed", intentObject(a.payment!.payment_intent_id, a, "requires_payment_method")))).body.outcome).toBe("ignored:confirmed");
    // Failure then success (the buyer retried with another card): the seats are still free, so it is confirmed.
    const b = await book(fan, ["A-1-7"]);
    await checkout(b, "failed");
    await statusOf(b, fan, "cancelled");
    expect((await checkout(b, "succeeded")).status).toBe(202);
    await statusOf(b, fan, "confirmed");
    expect(await seatShows("A-1-7", "sold")).toBe("sold");
  });

  it("refunds a paid booking on the buyer's request: refunded, tickets void, seat back on sale", async () => {
    const b = await book(fan, ["A-1-8"]);
    await checkout(b, "succeeded");
    await statusOf(b, fan, "confirmed");
    const stranger = await register();
    expect((await api(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: stranger.access })).status).toBe(404);
    const r = await api<{ refund: string }>(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: fan.access });
    expect(r.status).toBe(202);
    const refunded = await statusOf(b, fan, "refunded");
    expect(refunded.payment?.status).toBe("refunded");
    expect(await seatShows("A-1-8", "available")).toBe("available");
    const { db, close } = await testDb();
    const t = await db.select().from(tickets).where(eq(tickets.bookingId, b.booking_id));
    await close();
    expect(t.map((x) => x.status)).toEqual(["void"]);
  });

  it("closes buyers' refunds inside the event's refund window, but not the organizer's", async () => {
    const soon = await publishedEvent(organizer, { start_date: inDays(0.5), end_date: null, refund_window_hours: 24 });
    const b = await book(fan, ["A-1-1"], soon);
    await checkout(b, "succeeded");
    await statusOf(b, fan, "confirmed");
    const r = await api<{ code: string }>(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: fan.access });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("refund_window_closed");
    expect((await api(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: organizer.access })).status).toBe(202);
    await statusOf(b, fan, "refunded");
  });

  it("keeps buyers' refunds open when the organizer moves a sold event's date, and tells them so", async () => {
    const ev = await publishedEvent(organizer, { refund_window_hours: 48 });
    const before = (await api<{ start_date: string; rescheduled_at: string | null; refund_closes_at: string }>(`/api/events/${ev}`)).body;
    expect(before.rescheduled_at).toBeNull();
    const b = await book(fan, ["A-1-1"], ev);
    await checkout(b, "succeeded");
    await statusOf(b, fan, "confirmed");
    // Moved to 30 hours from now: the regular rule (48 hours before the start) would have closed refunds already.
    const newStart = inDays(30 / 24);
    const moved = await api<{ start_date: string; rescheduled_at: string; refund_closes_at: string }>(`/api/events/${ev}`, { method: "PUT", token: organizer.access, body: { start_date: newStart, end_date: null } });
    expect(moved.status).toBe(200);
    expect(moved.body.rescheduled_at).toBeTruthy();
    expect(moved.body.refund_closes_at).toBe(new Date(newStart).toISOString());
    const seen = await api<{ refund_closes_at: string }>(`/api/bookings/${b.booking_id}`, { token: fan.access });
    expect(seen.body.refund_closes_at).toBe(new Date(newStart).toISOString());
    const listed = await api<{ bookings: { booking_id: string; refund_closes_at: string }[] }>("/api/bookings?page_size=100", { token: fan.access });
    expect(listed.body.bookings.find((x) => x.booking_id === b.booking_id)?.refund_closes_at).toBe(new Date(newStart).toISOString());
    // The buyers are told: EventUpdated carries the old start and the refund deadline (the notifier mails from it).
    const { db, close } = await testDb();
    const updates = await db.select().from(outbox).where(and(eq(outbox.aggregateId, ev), eq(outbox.eventType, "EventUpdated")));
    await close();
    expect(updates).toHaveLength(1);
    expect((updates[0]!.envelope as { data: Record<string, unknown> }).data).toMatchObject({
      start_date: new Date(newStart).toISOString(), previous_start_date: before.start_date, refund_closes_at: new Date(newStart).toISOString(),
    });
    // A change that does not move the date keeps the window and announces no move.
    const renamed = await api<{ rescheduled_at: string }>(`/api/events/${ev}`, { method: "PUT", token: organizer.access, body: { title: "BTS — new date" } });
    expect(renamed.body.rescheduled_at).toBe(moved.body.rescheduled_at);
    const r = await api<{ refund: string }>(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: fan.access });
    expect(r.status).toBe(202);
    await statusOf(b, fan, "refunded");
  });

  it("replays a paid booking's Idempotency-Key as confirmed, with its payment", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const body = { event_id: eventId, seat_ids: ["A-2-5"] };
    const first = await api<Booking>("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    const paid = { ...first.body, payment: await openCheckout(fan.access, first.body.booking_id) };
    await checkout(paid, "succeeded");
    await statusOf(paid, fan, "confirmed");
    const replay = await api<Booking>("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toMatchObject({ booking_id: first.body.booking_id, status: "confirmed", payment: { payment_intent_id: paid.payment.payment_intent_id, status: "succeeded" } });
    expect(await seatShows("A-2-5", "sold")).toBe("sold");
  });

  it("refunds every confirmed booking when the organizer cancels the event", async () => {
    const ev = await publishedEvent(organizer);
    const paid = [await book(fan, ["A-1-1"], ev), await book(fan, ["A-1-2"], ev)];
    for (const b of paid) await checkout(b, "succeeded");
    for (const b of paid) await statusOf(b, fan, "confirmed");
    const held = await book(fan, ["A-1-3"], ev);
    expect((await api(`/api/events/${ev}/cancel`, { method: "POST", token: organizer.access })).status).toBe(200);
    for (const b of paid) await statusOf(b, fan, "refunded");
    await statusOf(held, fan, "cancelled");
  });

  it("reconciliation settles a payment whose webhook was lost, through the same code path", async () => {
    const b = await book(fan, ["A-2-1"]);
    // Failure injection: the simulator takes the money but drops the webhook.
    expect((await checkout(b, "succeeded", false)).status).toBe(202);
    // No sleep-and-hope: a later payment's webhook goes through the same simulator queue, which
    // delivers in the order it was filled; once that one has confirmed its booking, a webhook for
    // the first (had one been queued) would have arrived before it.
    const later = await book(fan, ["A-2-2"]);
    await checkout(later, "succeeded");
    await statusOf(later, fan, "confirmed");
    expect(await seatShows("A-2-1", "held")).toBe("held");
    expect((await api<Booking>(`/api/bookings/${b.booking_id}`, { token: fan.access })).body.status).toBe("reserved");
    const admin = await register();
    const { db, close } = await testDb();
    await db.update(users).set({ role: "admin" }).where(eq(users.userId, admin.userId));
    await close();
    const login = await api<{ access_token: string }>("/api/auth/login", { body: { email: admin.email, password: "correct horse battery" } });
    expect((await api("/api/payment/reconcile", { method: "POST", token: fan.access })).status).toBe(403);
    const report = await api<{ fixed: { payment_intent_id: string; outcome: string }[]; anomalies: unknown[] }>(
      "/api/payment/reconcile?older_than_seconds=0", { method: "POST", token: login.body.access_token });
    expect(report.status).toBe(200);
    expect(report.body.fixed).toContainEqual({ payment_intent_id: b.payment!.payment_intent_id, booking_id: b.booking_id, outcome: "confirmed" });
    expect(report.body.anomalies).toEqual([]);
    await statusOf(b, fan, "confirmed");
  });

  it("leaves no confirmed booking without a payment and no captured payment without a booking or refund", async () => {
    // Its own bookings, one of each ending, on its own event: paid, paid then refunded, declined.
    const ev = await publishedEvent(organizer);
    const [paid, refunded, declined] = [await book(fan, ["A-1-1"], ev), await book(fan, ["A-1-2"], ev), await book(fan, ["A-1-3"], ev)];
    await checkout(paid, "succeeded");
    await checkout(refunded, "succeeded");
    await checkout(declined, "failed");
    await statusOf(paid, fan, "confirmed");
    await statusOf(refunded, fan, "confirmed");
    expect((await api(`/api/payment/${refunded.booking_id}/refund`, { method: "POST", token: fan.access })).status).toBe(202);
    await statusOf(refunded, fan, "refunded");
    await statusOf(declined, fan, "cancelled");
    const ours = [paid.booking_id, refunded.booking_id, declined.booking_id];
    const expected = { [paid.booking_id]: "confirmed/succeeded", [refunded.booking_id]: "refunded/refunded", [declined.booking_id]: "cancelled/failed" };

    const { db, close } = await testDb();
    try {
      // Postgres learns of each change from the room's outbox: wait until it has all three endings.
      const pairs = async () => Object.fromEntries((await db.execute<{ booking_id: string; pair: string }>(sql`
        SELECT b.booking_id, b.status || '/' || coalesce(p.status, 'none') AS pair FROM bookings b
        LEFT JOIN payments p ON p.booking_id = b.booking_id WHERE b.booking_id IN (${sql.join(ours.map((id) => sql`${id}::uuid`), sql`, `)})`)).rows
        .map((r) => [r.booking_id, r.pair]));
      const settled = await eventually(async () => {
        const now = await pairs();
        return isDeepStrictEqual(now, expected) ? now : undefined;
      }, 30_000, "Postgres to record every booking's ending").catch(() => pairs());
      expect(settled).toEqual(expected);

      // The invariant, over exactly these bookings, then over everything Postgres holds.
      const invariant = async (scope: SQL | null) => {
        const only = (col: SQL) => (scope ? sql`AND ${col} IN (${scope})` : sql``);
        const orphans = await db.execute(sql`
          SELECT b.booking_id FROM bookings b WHERE b.status = 'confirmed' ${only(sql`b.booking_id`)} AND NOT EXISTS (
            SELECT 1 FROM payments p WHERE p.booking_id = b.booking_id AND p.status IN ('succeeded', 'refund_pending', 'refunded'))`);
        const unmatched = await db.execute(sql`
          SELECT p.payment_intent_id FROM payments p WHERE p.status = 'succeeded' ${only(sql`p.booking_id`)} AND NOT EXISTS (
            SELECT 1 FROM bookings b WHERE b.booking_id = p.booking_id AND b.status = 'confirmed')`);
        return { orphans: orphans.rows, unmatched: unmatched.rows };
      };
      expect(await invariant(sql.join(ours.map((id) => sql`${id}::uuid`), sql`, `))).toEqual({ orphans: [], unmatched: [] });
      expect(await invariant(null)).toEqual({ orphans: [], unmatched: [] });
    } finally {
      await close();
    }
  });
});
