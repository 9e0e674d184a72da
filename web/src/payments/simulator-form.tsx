import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import type { checkoutSchema } from "../../../src/contract/bookings";
import { paymentOperations } from "../../../src/contract/payments";
import { simulatorCompleteBody } from "../../../src/domain/payment-input";
import { call } from "../api/client";
import { buttonClass } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";

export type Checkout = z.output<typeof checkoutSchema>;

/**
 * The payment simulator's card form (local development): the simulator takes no card number,
 * only whether the card is approved or declined, so the fan picks one of Stripe's two test
 * cards. The form's values are the simulator API's own body, validated by its own schema.
 */
export function SimulatorForm({ checkout, amount, onSent }: { checkout: Checkout; amount: string; onSent: (declined: boolean) => void }) {
  const { t } = useI18n();
  const form = useForm({
    resolver: zodResolver(simulatorCompleteBody),
    defaultValues: { client_secret: checkout.client_secret ?? "", outcome: "succeeded", deliver_webhook: true },
  });
  const send = useMutation({
    mutationFn: (body: z.output<typeof simulatorCompleteBody>) =>
      call(paymentOperations.simulatorComplete, { params: { intent_id: checkout.payment_intent_id }, body }),
    onSuccess: (r) => onSent(r.status !== "succeeded"),
  });
  const busy = send.isPending || send.isSuccess;
  return (
    <form onSubmit={form.handleSubmit((v) => send.mutate(v))} noValidate className="my-4 rounded-lg border border-slate-300 bg-white p-4">
      <p className="mb-2 text-sm text-slate-700">{t("pay.simulatorNote")}</p>
      <input type="hidden" {...form.register("client_secret")} />
      <fieldset className="mb-3">
        <legend className="font-medium">{t("pay.card")}</legend>
        <label className="flex items-center gap-2"><input type="radio" value="succeeded" {...form.register("outcome")} />{t("pay.cardSucceeds")}</label>
        <label className="flex items-center gap-2"><input type="radio" value="failed" {...form.register("outcome")} />{t("pay.cardDeclines")}</label>
      </fieldset>
      {form.formState.errors.client_secret && <p role="alert" className="text-red-800">{t("error.validation_failed")}</p>}
      {send.error && <ProblemMessage error={send.error} onRetry={() => send.reset()} />}
      <button type="submit" className={buttonClass} disabled={busy}>{t("pay.submit", { amount })}</button>
    </form>
  );
}
