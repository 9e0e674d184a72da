import { z } from "zod";
import { int, queryInt, text } from "./input";

/** Requests of /api/payment: the simulator's checkout, reconciliation, and Stripe's webhook events. */
const clientSecret = z.string().min(10).max(200).regex(/^[A-Za-z0-9_]+$/, "must be a client secret");

export const simulatorCompleteBody = z.strictObject({
  client_secret: clientSecret,
  outcome: z.enum(["succeeded", "failed"]).default("succeeded"),
  /** Failure injection for tests and demos: the payment happens but its webhook is lost. */
  deliver_webhook: z.boolean().default(true),
});

/** The simulator's checkout page: `/checkout/:intent_id?client_secret=…`. */
export const checkoutQuery = z.strictObject({ client_secret: clientSecret });

export const reconcileQuery = z.strictObject({ older_than_seconds: queryInt(0, 86_400).default(60) });

/** What the saga needs of a PaymentIntent, from a webhook or from the provider. */
export interface IntentFacts { id: string; amount: number; currency: string; metadata: Record<string, string> }
/** What the saga needs of a refunded charge. */
export interface RefundFacts { paymentIntentId: string; amount: number; currency: string; refundId: string | null; metadata: Record<string, string> }

/** A verified webhook event as the saga takes it; event types we do not handle keep only their id and type. */
export type WebhookEvent = { id: string; type: string } & (
  | { action: "succeeded" | "failed"; intent: IntentFacts }
  | { action: "refunded"; refund: RefundFacts }
  | { action: "ignore" });

const stripeId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_]{1,250}$`), `must be a Stripe ${prefix}_ id`);
const amount = int(0, Number.MAX_SAFE_INTEGER);
const currency = z.string().regex(/^[A-Za-z]{3}$/, "must be an ISO 4217 code");
/** Stripe's own limits: 50 keys of up to 40 characters, values of up to 500. */
const metadata = z.record(text({ min: 1, max: 40, trim: false }), text({ max: 500, trim: false }))
  .refine((m) => Object.keys(m).length <= 50, "must have at most 50 keys");

// Stripe adds fields over time: objects are loose, but what we read must be there and well-formed.
const envelope = z.looseObject({
  id: stripeId("evt"),
  type: z.string().max(100).regex(/^[a-z_]+(\.[a-z_]+)+$/, "must be a Stripe event type"),
  data: z.looseObject({ object: z.looseObject({}) }),
});
const intentObject = z.looseObject({ id: stripeId("pi"), amount, currency, metadata });
const chargeObject = z.looseObject({
  payment_intent: z.union([stripeId("pi"), z.looseObject({ id: stripeId("pi") })]),
  amount_refunded: amount,
  currency,
  metadata,
  refunds: z.looseObject({ data: z.array(z.looseObject({ id: stripeId("re") })).max(100) }).nullable().optional(),
});

/** The events the webhook acts on, and the envelope every other event needs (it is then ignored). */
export const webhookEventSchemas = {
  intent: envelope.extend({ type: z.enum(["payment_intent.succeeded", "payment_intent.payment_failed"]), data: z.looseObject({ object: intentObject }) }),
  refund: envelope.extend({ type: z.literal("charge.refunded"), data: z.looseObject({ object: chargeObject }) }),
  other: envelope,
};

export type WebhookParse = { success: true; data: WebhookEvent } | { success: false; error: z.ZodError };

/** Parses a verified webhook body; on failure the issues name what is missing or malformed. */
export function parseWebhookEvent(body: unknown): WebhookParse {
  const env = webhookEventSchemas.other.safeParse(body);
  if (!env.success) return env;
  const { id, type } = env.data;
  if (type === "payment_intent.succeeded" || type === "payment_intent.payment_failed") {
    const e = webhookEventSchemas.intent.safeParse(body);
    if (!e.success) return e;
    const pi = e.data.data.object;
    return { success: true, data: { id, type, action: e.data.type === "payment_intent.succeeded" ? "succeeded" : "failed", intent: { id: pi.id, amount: pi.amount, currency: pi.currency, metadata: pi.metadata } } };
  }
  if (type === "charge.refunded") {
    const e = webhookEventSchemas.refund.safeParse(body);
    if (!e.success) return e;
    const ch = e.data.data.object;
    const pi = typeof ch.payment_intent === "string" ? ch.payment_intent : ch.payment_intent.id;
    return {
      success: true,
      data: { id, type, action: "refunded", refund: { paymentIntentId: pi, amount: ch.amount_refunded, currency: ch.currency, refundId: ch.refunds?.data[0]?.id ?? null, metadata: ch.metadata } },
    };
  }
  return { success: true, data: { id, type, action: "ignore" } };
}
