import Stripe from "stripe";
import type { Env } from "../env";
import type { PaymentProvider } from "./provider";
import { SimulatorProvider } from "./simulator-provider";
import { StripeProvider, stripeClient } from "./stripe-provider";

/** Stripe when a secret key is configured; otherwise the local simulator. */
export function paymentProvider(env: Env): PaymentProvider {
  if (env.STRIPE_SECRET_KEY) return new StripeProvider(stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE || undefined));
  const base = (env.PUBLIC_BASE_URL || "http://127.0.0.1:8787").replace(/\/$/, "");
  return new SimulatorProvider(env.PAYMENT_SIMULATOR.get(env.PAYMENT_SIMULATOR.idFromName("simulator")), `${base}/api/payment/webhook`);
}

/** How long after its timestamp a signed webhook is still accepted (Stripe's default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Checks a webhook's raw body against its Stripe-Signature header (and the timestamp's age) with
 * the SDK's WebCrypto path. Only the signature: the body's shape is checked after, by our schema.
 */
export async function webhookSignatureValid(rawBody: string, signature: string, secret: string): Promise<boolean> {
  const verifier = Stripe.webhooks.signature;
  // Without the SDK's verifier nothing can be trusted: fail closed.
  if (!verifier) return false;
  try {
    return await verifier.verifyHeaderAsync(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS, Stripe.createSubtleCryptoProvider());
  } catch {
    return false;
  }
}
