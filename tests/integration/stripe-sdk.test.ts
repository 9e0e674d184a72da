import { eq } from "drizzle-orm";
import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { StripeProvider, stripeClient } from "../../src/payments/stripe-provider";
import { payments } from "../../src/db/schema";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { STRIPE_API, STRIPE_BASE_URL } from "../support/env";
import { intentObject, postWebhook, signedEvent } from "../support/stripe";
import { openCheckout } from "../support/saga";

// The official Stripe SDK against stripe-mock: the provider on its own, and a second Worker
// configured with STRIPE_SECRET_KEY whose webhooks are signed with the SDK's test-header helper.
describe("Stripe provider (official SDK) against stripe-mock", () => {
  it("sends amounts in the currency's smallest unit with the booking as idempotency key", async () => {
    const sent: { body: string; idempotencyKey: string | null }[] = [];
    // A spy around fetch, not a mock: every request still goes to stripe-mock.
    const spy: typeof fetch = async (input, init) => {
      sent.push({ body: String(init?.body ?? ""), idempotencyKey: new Headers(init?.headers).get("idempotency-key") });
      return fetch(input, init);
    };
    const base = new URL(STRIPE_API);
    const client = new Stripe("sk_test_123", { httpClient: Stripe.createFetchHttpClient(spy), host: base.hostname, port: base.port, protocol: "http" });
    const provider = new StripeProvider(client);
    const bookingId = crypto.randomUUID();
    const intent = await provider.createIntent({ bookingId, eventId: crypto.randomUUID(), userId: crypto.randomUUID(), amount: 150000, currency: "KRW" });
    expect(intent.id).toMatch(/^pi_/);
    const form = new URLSearchParams(sent[0]!.body);
    expect(form.get("amount")).toBe("150000");
    expect(form.get("currency")).toBe("krw");
    expect(form.get("metadata[booking_id]")).toBe(bookingId);
    expect(sent[0]!.idempotencyKey).toBe(`booking-${bookingId}`);
    const usd = new URLSearchParams((await provider.createIntent({ bookingId: crypto.randomUUID(), eventId: bookingId, userId: bookingId, amount: 4999, currency: "USD" }), sent[1]!.body));
    expect(usd.get("amount")).toBe("4999");
    expect((await provider.refund(intent.id, `refund-${intent.id}`, "test")).refundId).toMatch(/^re_/);
    expect(await stripeClient("sk_test_123", STRIPE_API).paymentIntents.retrieve(intent.id)).toHaveProperty("object", "payment_intent");
  });
});

describe("Worker in Stripe mode", () => {
  let organizer: Session;
  let fan: Session;
  let eventId: string;
  beforeAll(async () => {
    organizer = await register("organizer", {}, STRIPE_BASE_URL);
    fan = await register("user", {}, STRIPE_BASE_URL);
    eventId = await publishedEvent(organizer, {}, STRIPE_BASE_URL);
  });

  it("creates the intent through the SDK and confirms on an SDK-signed webhook", async () => {
    const held = await api<{ booking_id: string; event_id: string; user_id: string; total_amount: number; payment: null }>(
      "/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-1"] }, base: STRIPE_BASE_URL });
    expect(held.status).toBe(201);
    expect(held.body.payment).toBeNull();
    // Checkout opened twice: the SDK sends the same idempotency key, so the room keeps one intent.
    const [pay, again] = await Promise.all([openCheckout(fan.access, held.body.booking_id, STRIPE_BASE_URL), openCheckout(fan.access, held.body.booking_id, STRIPE_BASE_URL)]);
    expect(again.payment_intent_id).toBe(pay.payment_intent_id);
    const b = { body: { ...held.body, payment: pay } };
    expect(b.body.payment.payment_intent_id).toMatch(/^pi_/);
    expect(b.body.payment.client_secret).toBeTruthy();
    expect(b.body.payment.checkout_url).toBeUndefined();
    // stripe-mock is stateless, so it answers with a fixture id; the booking's own intent id is what the room recorded.
    const hook = await postWebhook(signedEvent("payment_intent.succeeded", intentObject(b.body.payment.payment_intent_id, b.body)), STRIPE_BASE_URL);
    expect(hook.status).toBe(200);
    expect(hook.body.outcome).toBe("confirmed");
    const seats = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${eventId}/seats`, { base: STRIPE_BASE_URL });
    expect(seats.body.seats.find((s) => s.seat_id === "A-1-1")?.status).toBe("sold");
    expect((await api("/api/payment/simulator/pi_x/complete", { body: { client_secret: "x".repeat(12) }, base: STRIPE_BASE_URL })).status).toBe(404);
  });

  it("refunds a payment for a booking nobody knows, and records why", async () => {
    const orphan = { booking_id: crypto.randomUUID(), event_id: crypto.randomUUID(), user_id: crypto.randomUUID(), total_amount: 77000 };
    const id = `pi_orphan_${crypto.randomUUID().slice(0, 8)}`;
    const hook = await postWebhook(signedEvent("payment_intent.succeeded", intentObject(id, orphan)), STRIPE_BASE_URL);
    expect(hook.body.outcome).toBe("refunded:unknown_booking");
    const row = await eventually(async () => {
      const { db, close } = await testDb();
      const [p] = await db.select().from(payments).where(eq(payments.paymentIntentId, id));
      await close();
      return p;
    }, 10_000, "the orphan payment row");
    expect(row).toMatchObject({ status: "refund_pending", note: "unknown_booking", amount: 77000 });
    // Garbage metadata is an unknown booking too, not a crash.
    const junk = await postWebhook(signedEvent("payment_intent.succeeded", { ...intentObject(`${id}_2`, orphan), metadata: { booking_id: "nope" } }), STRIPE_BASE_URL);
    expect(junk.body.outcome).toBe("refunded:unknown_booking");
  });
});
