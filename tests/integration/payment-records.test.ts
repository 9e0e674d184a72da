/**
 * The payments table has one writer, the projection: every payment fact reaches it as a catalogue
 * message recorded in the Postgres outbox (so the bus hears of it too), whoever learnt it first:
 * the EventRoom, the webhook settling money for no booking, or reconciliation.
 */
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedProxy } from "../../workers/db";
import { outbox, payments, users } from "../../src/db/schema";
import { parseMessage, type MessageType } from "../../src/pipeline/catalogue";
import { envelopeSchema } from "../../src/pipeline/envelope";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { STRIPE_BASE_URL } from "../support/env";
import { intentObject, postWebhook, signedEvent } from "../support/stripe";
import { hold } from "../support/saga";

let h: Awaited<ReturnType<typeof testDb>>;
beforeAll(async () => { h = await testDb(); });
afterAll(async () => { await h.close(); await closeSharedProxy(); });

const paymentRow = (intentId: string) => eventually(async () => {
  const [p] = await h.db.select().from(payments).where(eq(payments.paymentIntentId, intentId));
  return p;
}, 30_000, `the payments row of ${intentId}`);

/** The outbox messages of these types under `key` about this intent, each checked against the catalogue. */
async function messagesAbout(key: string, intentId: string, types: MessageType[]) {
  const rows = await h.db.select().from(outbox).where(and(eq(outbox.aggregateId, key), inArray(outbox.eventType, types)));
  return rows.map((r) => {
    const parsed = parseMessage(envelopeSchema.parse(r.envelope));
    if (!parsed.ok) throw new Error(`outbox row ${r.messageId} does not fit its type: ${parsed.error}`);
    return parsed.message;
  }).filter((m) => "payment_intent_id" in m.data && m.data.payment_intent_id === intentId);
}

interface Hold { booking_id: string; event_id: string; user_id: string; total_amount: number; payment: null }

describe("payments are recorded through the outbox, by the projection alone", () => {
  it("money for no booking: refunded once however often it is reported at once, recorded as messages, then its refund", async () => {
    const orphan = { booking_id: crypto.randomUUID(), event_id: crypto.randomUUID(), user_id: crypto.randomUUID(), total_amount: 77000 };
    const intentId = `pi_unmatched_${crypto.randomUUID().slice(0, 8)}`;
    // Ten deliveries at once, as ten distinct Stripe events (retries of a lost acknowledgement look like this).
    const hooks = await Promise.all(Array.from({ length: 10 }, () => postWebhook(signedEvent("payment_intent.succeeded", intentObject(intentId, orphan)), STRIPE_BASE_URL)));
    expect(hooks.map((r) => r.body.outcome)).toEqual(Array(10).fill("refunded:unknown_booking"));
    expect(await paymentRow(intentId)).toMatchObject({
      status: "refund_pending", note: "unknown_booking", provider: "stripe", amount: 77000, currency: "KRW", bookingId: orphan.booking_id, eventId: orphan.event_id,
    });
    const received = await messagesAbout(intentId, intentId, ["UnmatchedPaymentReceived"]);
    expect(received).toHaveLength(10);
    for (const m of received) expect(m).toMatchObject({ event_type: "UnmatchedPaymentReceived", data: { amount: 77000, reason: "unknown_booking" } });

    const refunded = await postWebhook(signedEvent("charge.refunded", {
      id: `ch_${crypto.randomUUID().slice(0, 8)}`, object: "charge", payment_intent: intentId, amount_refunded: 77000, currency: "krw", metadata: {},
      refunds: { data: [{ id: `re_${crypto.randomUUID().slice(0, 8)}` }] },
    }), STRIPE_BASE_URL);
    expect(refunded.body.outcome).toBe("refunded:no_booking");
    expect((await paymentRow(intentId)).status).toBe("refunded");
    expect(await messagesAbout(intentId, intentId, ["UnmatchedPaymentRefunded"])).toHaveLength(1);
  });

  it("a payment confirmed by the room names the provider that took it (the simulator here), for every buyer at once", async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer);
    const fans: Session[] = await Promise.all(Array.from({ length: 5 }, () => register()));
    const holds = await Promise.all(fans.map(async (f, i) => {
      const r = await api<Hold>("/api/bookings", { token: f.access, body: { event_id: eventId, seat_ids: [`A-1-${i + 1}`] } });
      expect(r.status).toBe(201);
      return r.body;
    }));
    // Paid through an intent the room was never told of (the attach step lost): the room confirms, the projection records it.
    const paidWith = holds.map(() => `pi_unattached_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`);
    const hooks = await Promise.all(holds.map((b, i) => postWebhook(signedEvent("payment_intent.succeeded", intentObject(paidWith[i]!, b)))));
    expect(hooks.map((r) => r.body.outcome)).toEqual(Array(5).fill("confirmed"));
    for (const [i, b] of holds.entries()) {
      expect(await paymentRow(paidWith[i]!)).toMatchObject({ provider: "simulator", status: "succeeded", bookingId: b.booking_id, amount: b.total_amount });
      expect(await messagesAbout(b.booking_id, paidWith[i]!, ["PaymentSucceeded"])).toMatchObject([{ data: { provider: "simulator", outcome: "confirmed" } }]);
    }
  });

  it("reconciliation records an intent the provider canceled as a message, and the projection marks it", async () => {
    const organizer = await register("organizer");
    const fan = await register();
    const eventId = await publishedEvent(organizer);
    const b = { body: await hold(fan, eventId, { seat_ids: ["A-2-1"] }) };
    const intentId = b.body.payment.payment_intent_id;
    await paymentRow(intentId);
    // The buyer lets go: the room cancels the intent at the provider; no webhook says so.
    expect((await api(`/api/bookings/${b.body.booking_id}/cancel`, { method: "POST", token: fan.access })).status).toBe(200);
    const admin = await register();
    await h.db.update(users).set({ role: "admin" }).where(eq(users.userId, admin.userId));
    const login = await api<{ access_token: string }>("/api/auth/login", { body: { email: admin.email, password: "correct horse battery" } });
    await eventually(async () => {
      const report = await api<{ fixed: { payment_intent_id: string; outcome: string }[] }>(
        "/api/payment/reconcile?older_than_seconds=0", { method: "POST", token: login.body.access_token });
      return report.body.fixed.some((f) => f.payment_intent_id === intentId && f.outcome === "marked_canceled") ? true : undefined;
    }, 120_000, "reconciliation finding the canceled intent");
    expect((await paymentRow(intentId)).status).toBe("canceled");
    expect(await messagesAbout(intentId, intentId, ["PaymentCanceled"])).toMatchObject([{ data: { booking_id: b.body.booking_id } }]);
    const [row] = await h.db.select().from(payments).where(and(eq(payments.paymentIntentId, intentId), eq(payments.status, "canceled")));
    expect(row?.bookingId).toBe(b.body.booking_id);
  });
});
