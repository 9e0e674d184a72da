import { useEffect, useRef, useState } from "react";
import { buttonClass } from "../components/field";
import { useI18n } from "../i18n/i18n";
import type { Checkout } from "./simulator-form";
import { loadStripeJs, type StripeElements, type StripeJs } from "./stripe-js";

/**
 * Stripe's Payment Element for the hold's PaymentIntent (client secret from
 * POST /api/bookings/{id}/payment). Stripe confirms the card in the browser; the webhook then
 * confirms the booking, which the pay page sees by polling it. A card the bank refuses is a
 * decline like the simulator's (its webhook cancels the booking); a form Stripe finds incomplete
 * sent nothing, so the fan just fixes it. A 3-D Secure redirect comes back to this page.
 */
export function StripeForm({ checkout, heldUntil, amount, onSent }: { checkout: Checkout; heldUntil: string; amount: string; onSent: (declined: boolean) => void }) {
  const { t, lang } = useI18n();
  const mount = useRef<HTMLDivElement>(null);
  const stripe = useRef<{ js: StripeJs; elements: StripeElements } | null>(null);
  const [phase, setPhase] = useState<"loading" | "ready" | "failed" | "sending">("loading");
  const [refusal, setRefusal] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const key = checkout.publishable_key;
  const secret = checkout.client_secret;

  useEffect(() => {
    if (!key || !secret) return;
    let gone = false;
    let element: { destroy(): void } | null = null;
    loadStripeJs().then((factory) => {
      if (gone || !mount.current) return;
      const js = factory(key);
      const elements = js.elements({ clientSecret: secret, locale: lang });
      const payment = elements.create("payment");
      payment.mount(mount.current);
      element = payment;
      stripe.current = { js, elements };
      setPhase("ready");
    }, () => { if (!gone) setPhase("failed"); });
    return () => { gone = true; element?.destroy(); };
  }, [key, secret, lang, attempt]);

  if (!key || !secret) return <p role="alert" className="my-4 rounded-lg border border-amber-300 bg-amber-50 p-4">{t("pay.stripeNoKey", { time: heldUntil })}</p>;

  const pay = async () => {
    const s = stripe.current;
    if (!s) return;
    setPhase("sending");
    setRefusal(null);
    const r = await s.js.confirmPayment({ elements: s.elements, redirect: "if_required", confirmParams: { return_url: window.location.href } });
    if (r.error?.type === "validation_error") {
      setRefusal(r.error.message ?? "");
      setPhase("ready");
    } else onSent(!!r.error);
  };

  return (
    <div className="my-4 rounded-lg border border-slate-300 bg-white p-4" data-testid="stripe-form">
      {phase === "loading" && <p role="status">{t("pay.stripeLoading")}</p>}
      {phase === "failed" && (
        <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950">
          <p>{t("pay.stripeFailed", { time: heldUntil })}</p>
          <button type="button" className="mt-2 rounded bg-amber-800 px-3 py-1 text-white hover:bg-amber-900"
            onClick={() => { setPhase("loading"); setAttempt((a) => a + 1); }}>{t("common.retry")}</button>
        </div>
      )}
      <div ref={mount} />
      {refusal !== null && <p role="alert" className="text-red-800">{t("pay.stripeIncomplete", { reason: refusal })}</p>}
      {(phase === "ready" || phase === "sending") && (
        <button type="button" className={`${buttonClass} mt-3`} disabled={phase === "sending"} onClick={() => void pay()}>{t("pay.submit", { amount })}</button>
      )}
    </div>
  );
}
