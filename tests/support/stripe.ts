import Stripe from "stripe";
import { api } from "./api";
import { WEBHOOK_SECRET } from "./env";

/** A Stripe event as Stripe would send it, signed with the SDK's own test-header helper. */
export function signedEvent(type: string, object: Record<string, unknown>, opts: { id?: string; timestamp?: number; secret?: string } = {}) {
  const payload = JSON.stringify({
    id: opts.id ?? `evt_test_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`, object: "event", api_version: "2025-01-27.acacia",
    created: Math.floor(Date.now() / 1000), type, data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null },
  });
  return { payload, header: signPayload(payload, opts) };
}

/** A Stripe-Signature header for any payload text, made by the SDK's own test-header helper. */
export function signPayload(payload: string, opts: { timestamp?: number; secret?: string } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
}

export function postWebhook(e: { payload: string; header: string }, base?: string) {
  return api<{ received?: boolean; outcome?: string; duplicate?: boolean; code?: string }>("/api/payment/webhook", {
    raw: e.payload, headers: { "stripe-signature": e.header }, base,
  });
}

export function intentObject(id: string, b: { booking_id: string; event_id: string; user_id: string; total_amount: number }, status = "succeeded") {
  return {
    id, object: "payment_intent", amount: b.total_amount, amount_received: b.total_amount, currency: "krw", status,
    metadata: { booking_id: b.booking_id, event_id: b.event_id, user_id: b.user_id },
  };
}
