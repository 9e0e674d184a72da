import { and, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { outbox, paymentEvents } from "../../src/db/schema";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { intentObject, postWebhook, signPayload, signedEvent } from "../support/stripe";
import { openCheckout } from "../support/saga";

// Correctly signed webhooks whose bodies are not what Stripe sends for the events we act on:
// 400 invalid_webhook_payload, nothing recorded, nothing changed. Signed with the SDK's helper.
type Booking = { booking_id: string; event_id: string; user_id: string; total_amount: number; payment: { payment_intent_id: string } | null };

let organizer: Session;
let fan: Session;
let eventId: string;
beforeAll(async () => {
  organizer = await register("organizer");
  fan = await register();
  eventId = await publishedEvent(organizer);
});

const book = async (seat: string) => {
  const r = await api<Booking>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: [seat] } });
  if (r.status !== 201) throw new Error(`booking failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body, payment: await openCheckout(fan.access, r.body.booking_id) };
};
const bookingStatus = async (b: Booking) => (await api<{ status: string }>(`/api/bookings/${b.booking_id}`, { token: fan.access })).body.status;
const signedRaw = (payload: string) => ({ payload, header: signPayload(payload) });
const recorded = async (ids: string[]) => {
  const { db, close } = await testDb();
  const rows = ids.length ? await db.select().from(paymentEvents).where(inArray(paymentEvents.stripeEventId, ids)) : [];
  await close();
  return rows;
};
const envelopeOf = (type: string, object: unknown, id = `evt_bad_${crypto.randomUUID().replace(/-/g, "")}`) =>
  ({ id, object: "event", api_version: "2025-01-27.acacia", created: Math.floor(Date.now() / 1000), type, data: { object }, livemode: false });

describe("a signed webhook with an unexpected body", () => {
  it("is a 400 invalid_webhook_payload, is not recorded, and leaves the booking as it was", async () => {
    const b = await book("A-1-1");
    const pi = intentObject(b.payment.payment_intent_id, b);
    const { amount: _a, ...noAmount } = pi;
    const { currency: _c, ...noCurrency } = pi;
    const { metadata: _m, ...noMetadata } = pi;
    const bodies: [string, unknown][] = [
      ["an array", []], ["null", null], ["a string", "payment_intent.succeeded"], ["an empty object", {}],
      ["no data", { ...envelopeOf("payment_intent.succeeded", pi), data: undefined }],
      ["data.object not an object", envelopeOf("payment_intent.succeeded", "pi_123")],
      ["an intent without an amount", envelopeOf("payment_intent.succeeded", noAmount)],
      ["an intent without a currency", envelopeOf("payment_intent.succeeded", noCurrency)],
      ["an intent without metadata", envelopeOf("payment_intent.succeeded", noMetadata)],
      ["an amount as text", envelopeOf("payment_intent.succeeded", { ...pi, amount: String(b.total_amount) })],
      ["a negative amount", envelopeOf("payment_intent.payment_failed", { ...pi, amount: -1 })],
      ["a fractional amount", envelopeOf("payment_intent.succeeded", { ...pi, amount: 1.5 })],
      ["metadata that is not text", envelopeOf("payment_intent.succeeded", { ...pi, metadata: { booking_id: { $ne: null } } })],
      ["an intent id that is not one", envelopeOf("payment_intent.succeeded", { ...pi, id: "ch_123" })],
      ["a NUL in the currency", envelopeOf("payment_intent.succeeded", { ...pi, currency: "kr\u0000" })],
      ["a refund without a payment intent", envelopeOf("charge.refunded", { id: "ch_1", amount_refunded: 1, currency: "krw", metadata: {} })],
      ["a refund with a null payment intent", envelopeOf("charge.refunded", { id: "ch_1", payment_intent: null, amount_refunded: 1, currency: "krw", metadata: {} })],
      ["an event id that is not one", envelopeOf("payment_intent.succeeded", pi, "not-an-event-id")],
      ["a type that is not text", { ...envelopeOf("payment_intent.succeeded", pi), type: 42 }],
    ];
    const ids: string[] = [];
    for (const [what, body] of bodies) {
      const payload = JSON.stringify(body);
      const r = await postWebhook(signedRaw(payload));
      expect(r.status, what).toBe(400);
      expect(r.headers.get("content-type"), what).toMatch(/^application\/problem\+json/);
      expect(r.body.code, what).toBe("invalid_webhook_payload");
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id === "string") ids.push(id);
    }
    // Not JSON at all, but signed.
    expect((await postWebhook(signedRaw("{not json"))).body.code).toBe("invalid_webhook_payload");
    expect(await recorded(ids)).toEqual([]);
    expect(await bookingStatus(b)).toBe("reserved");
  });

  it("an event type we do not handle is still 200 ignored, and recorded", async () => {
    const e = signedEvent("customer.created", { id: "cus_123", object: "customer" });
    const r = await postWebhook(e);
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe("ignored");
    expect(await recorded([JSON.parse(e.payload).id])).toHaveLength(1);
  });

  it("a success for an intent the provider does not know: nothing to refund, 200, nothing changed", async () => {
    const ghost = { booking_id: crypto.randomUUID(), event_id: eventId, user_id: fan.userId, total_amount: 1000 };
    const r = await postWebhook(signedEvent("payment_intent.succeeded", intentObject("pi_sim_doesnotexist000000000", ghost)));
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe("ignored:not_refundable");
  });

  it("many at once, beside the real one: the booking is confirmed exactly once, nothing else recorded", async () => {
    const b = await book("A-1-2");
    const pi = intentObject(b.payment.payment_intent_id, b);
    const good = signedEvent("payment_intent.succeeded", pi);
    const bad = Array.from({ length: 30 }, (_, i) => signedRaw(JSON.stringify(envelopeOf("payment_intent.succeeded", { ...pi, amount: i % 2 ? "1" : null }))));
    const all = await Promise.all([...bad.map((e) => postWebhook(e)), ...Array.from({ length: 5 }, () => postWebhook(good))]);
    expect(all.slice(0, 30).every((r) => r.status === 400 && r.body.code === "invalid_webhook_payload")).toBe(true);
    expect(all.slice(30).every((r) => r.status === 200)).toBe(true);
    await eventually(async () => ((await bookingStatus(b)) === "confirmed" ? true : undefined), 20_000, "the booking to be confirmed");
    const { db, close } = await testDb();
    const [n] = await db.select({ n: sql<number>`count(*)::int` }).from(outbox)
      .where(and(eq(outbox.aggregateId, b.booking_id), eq(outbox.eventType, "PaymentSucceeded")));
    await close();
    expect(n!.n).toBe(1);
    expect(await recorded(bad.map((e) => JSON.parse(e.payload).id as string))).toEqual([]);
  });
});
