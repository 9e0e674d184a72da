import Stripe from "stripe";
import { ProviderRefusal, type CreateIntentInput, type IntentInfo, type IntentStatus, type PaymentProvider } from "./provider";

/**
 * Stripe through its official SDK. In workerd the package resolves to its worker build, which
 * talks HTTP with fetch. STRIPE_API_BASE points it elsewhere (stripe-mock in tests).
 */
export function stripeClient(secretKey: string, apiBase?: string): Stripe {
  const base = apiBase ? new URL(apiBase) : null;
  return new Stripe(secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
    timeout: 10_000,
    ...(base ? { host: base.hostname, port: base.port || (base.protocol === "https:" ? "443" : "80"), protocol: base.protocol.replace(":", "") as "http" | "https" } : {}),
  });
}

const toInfo = (pi: Stripe.PaymentIntent): IntentInfo => ({
  id: pi.id, status: pi.status as IntentStatus, amount: pi.amount, currency: pi.currency.toUpperCase(),
  clientSecret: pi.client_secret, metadata: { ...pi.metadata },
});

export class StripeProvider implements PaymentProvider {
  readonly name = "stripe" as const;
  constructor(private readonly stripe: Stripe) {}

  async createIntent(input: CreateIntentInput): Promise<IntentInfo> {
    const pi = await this.stripe.paymentIntents.create({
      // Our amounts are already in the currency's smallest unit, which is what Stripe expects
      // (KRW and JPY are zero-decimal: ₩150,000 is 150000).
      amount: input.amount,
      currency: input.currency.toLowerCase(),
      automatic_payment_methods: { enabled: true },
      metadata: { booking_id: input.bookingId, event_id: input.eventId, user_id: input.userId },
    }, { idempotencyKey: `booking-${input.bookingId}` });
    return toInfo(pi);
  }

  async retrieveIntent(id: string): Promise<IntentInfo> {
    return toInfo(await this.stripe.paymentIntents.retrieve(id));
  }

  async cancelIntent(id: string): Promise<"canceled" | "not_cancelable"> {
    try {
      await this.stripe.paymentIntents.cancel(id);
      return "canceled";
    } catch (e) {
      // Stripe refuses to cancel an intent that already succeeded or was canceled.
      if (e instanceof Stripe.errors.StripeInvalidRequestError && e.code === "payment_intent_unexpected_state") return "not_cancelable";
      throw e;
    }
  }

  async refund(intentId: string, idempotencyKey: string, reason: string): Promise<{ refundId: string; status: string }> {
    try {
      const r = await this.stripe.refunds.create({ payment_intent: intentId, metadata: { reason } }, { idempotencyKey });
      return { refundId: r.id, status: r.status ?? "pending" };
    } catch (e) {
      // A 4xx from Stripe (no such intent, nothing captured) is final; anything else may pass.
      if (e instanceof Stripe.errors.StripeInvalidRequestError) throw new ProviderRefusal(e.code ?? "invalid_request");
      throw e;
    }
  }
}
