/**
 * The one seam between the booking saga and a payment provider. Exactly two implementations:
 * Stripe (the official SDK, fetch-based) and the local simulator used by the embedded default.
 * Both report outcomes through Stripe-signed webhooks, verified by the same code.
 */
export type IntentStatus =
  | "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing"
  | "requires_capture" | "succeeded" | "canceled";

export interface IntentInfo {
  id: string;
  status: IntentStatus;
  amount: number;
  currency: string;
  clientSecret: string | null;
  metadata: Record<string, string>;
}

export interface CreateIntentInput {
  bookingId: string;
  eventId: string;
  userId: string;
  /** Integer minor units, as the booking stores it (KRW: won; USD: cents). */
  amount: number;
  currency: string;
}

/** The provider definitively refused (no such intent, nothing to refund): retrying cannot help. */
export class ProviderRefusal extends Error {
  override readonly name = "ProviderRefusal";
}

export interface PaymentProvider {
  readonly name: "stripe" | "simulator";
  /** Idempotent per booking: asking twice for one booking returns the same intent. */
  createIntent(input: CreateIntentInput): Promise<IntentInfo>;
  retrieveIntent(id: string): Promise<IntentInfo>;
  /** "not_cancelable" when the intent already succeeded or was canceled. */
  cancelIntent(id: string): Promise<"canceled" | "not_cancelable">;
  /** Idempotent per key; the refund's completion arrives as a charge.refunded webhook. Throws ProviderRefusal when there is nothing to refund. */
  refund(intentId: string, idempotencyKey: string, reason: string): Promise<{ refundId: string; status: string }>;
}
