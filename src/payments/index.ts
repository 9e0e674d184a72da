import Stripe from "stripe";
import { config, isDevelopment } from "../config";
import type { Env } from "../env";
import { Problem } from "../problem";
import type { PaymentProvider } from "./provider";
import { SimulatorProvider } from "./simulator-provider";
import { StripeProvider, stripeClient } from "./stripe-provider";

export type PaymentSetup = "stripe" | "simulator" | "missing";

/**
 * Which provider this deployment pays with. The simulator confirms payments that never happened,
 * so it exists only in local development; anywhere else a missing key is a broken deployment.
 */
export function paymentSetup(env: Pick<Env, "STRIPE_SECRET_KEY" | "ENVIRONMENT">): PaymentSetup {
  if (env.STRIPE_SECRET_KEY) return "stripe";
  return isDevelopment(env) ? "simulator" : "missing";
}

export const simulatorEnabled = (env: Pick<Env, "STRIPE_SECRET_KEY" | "ENVIRONMENT">): boolean => paymentSetup(env) === "simulator";

/** Whose payments this deployment's webhooks report: the simulator's only where it runs, Stripe's everywhere else. */
export const reportingProvider = (env: Pick<Env, "STRIPE_SECRET_KEY" | "ENVIRONMENT">): PaymentProvider["name"] =>
  simulatorEnabled(env) ? "simulator" : "stripe";

export const paymentProviderMissing = () =>
  new Problem(503, "payment_provider_missing", "Payments are not configured", "No payment provider is configured here, so bookings are closed until one is", {}, { "Retry-After": "300" });

/** Stripe when a secret key is configured; the local simulator in development; otherwise a 503. */
export function paymentProvider(env: Env): PaymentProvider {
  if (env.STRIPE_SECRET_KEY) return new StripeProvider(stripeClient(env.STRIPE_SECRET_KEY, config(env).stripeApiBase));
  if (!simulatorEnabled(env)) throw paymentProviderMissing();
  return new SimulatorProvider(env.PAYMENT_SIMULATOR.get(env.PAYMENT_SIMULATOR.idFromName("simulator")), `${config(env).publicBaseUrl}/api/payment/webhook`);
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
