/**
 * Stripe.js, loaded from js.stripe.com when (and only when) a payment is made with Stripe, as
 * Stripe requires (it must not be bundled or self-hosted). Only the few calls the Payment Element
 * needs are typed here.
 */
export interface StripePaymentElement { mount(el: HTMLElement): void; destroy(): void }
export interface StripeElements { create(type: "payment"): StripePaymentElement }
export interface StripeJs {
  elements(options: { clientSecret: string; locale?: string }): StripeElements;
  confirmPayment(options: { elements: StripeElements; redirect: "if_required"; confirmParams: { return_url: string } }):
    Promise<{ error?: { type?: string; message?: string }; paymentIntent?: { status: string } }>;
}
type StripeFactory = (publishableKey: string) => StripeJs;

declare global {
  interface Window { Stripe?: StripeFactory }
}

export const STRIPE_JS_URL = "https://js.stripe.com/v3/";

let loading: Promise<StripeFactory> | null = null;

/** The Stripe factory; a failed load is forgotten, so a retry fetches the script again. */
export function loadStripeJs(): Promise<StripeFactory> {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  loading ??= new Promise<StripeFactory>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = STRIPE_JS_URL;
    script.async = true;
    script.onload = () => (window.Stripe ? resolve(window.Stripe) : reject(new Error("Stripe.js loaded without Stripe")));
    script.onerror = () => {
      script.remove();
      reject(new Error("Stripe.js could not be loaded"));
    };
    document.head.append(script);
  }).catch((e: unknown) => {
    loading = null;
    throw e;
  });
  return loading;
}
