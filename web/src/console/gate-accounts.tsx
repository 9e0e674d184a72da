import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { createGateAccountBody, gateAccountOperations } from "../../../src/contract/gate-accounts";
import { call, type Answer } from "../api/client";
import { buttonClass, Field } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";

type NewAccount = Answer<typeof gateAccountOperations.create>;

/**
 * The event's gate accounts: staff logins that may only scan this event. A new account's
 * password is shown once, here, and never again (the API keeps only its hash).
 */
export function GateAccounts({ eventId }: { eventId: string }) {
  const { t, date } = useI18n();
  const queries = useQueryClient();
  const [made, setMade] = useState<NewAccount | null>(null);
  const key = ["gate-accounts", eventId];
  const list = useQuery({ queryKey: key, queryFn: () => call(gateAccountOperations.list, { auth: true, params: { id: eventId } }) });
  const form = useForm<z.input<typeof createGateAccountBody>, unknown, z.output<typeof createGateAccountBody>>({
    resolver: zodResolver(createGateAccountBody), defaultValues: { label: "" },
  });
  const create = useMutation({
    mutationFn: (body: z.output<typeof createGateAccountBody>) => call(gateAccountOperations.create, { auth: true, params: { id: eventId }, body }),
    onSuccess: (a) => { setMade(a); form.reset(); void queries.invalidateQueries({ queryKey: key }); },
  });
  const disable = useMutation({
    mutationFn: (accountId: string) => call(gateAccountOperations.disable, { auth: true, params: { id: eventId, account_id: accountId } }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: key }),
  });
  return (
    <section aria-labelledby="gates-title" className="mb-6 rounded-lg border border-slate-300 bg-white p-4" data-testid="gate-accounts">
      <h2 id="gates-title" className="mb-1 text-lg font-semibold">{t("console.gates.title")}</h2>
      <p className="mb-3 text-sm text-slate-700">{t("console.gates.hint")}</p>
      <form className="mb-3 flex flex-wrap items-end gap-2" onSubmit={form.handleSubmit((body) => create.mutate(body))} noValidate>
        <Field id="gate-label" label={t("console.gates.label")} {...form.register("label")} error={form.formState.errors.label ? t("console.gates.labelError") : undefined} />
        <button type="submit" className={buttonClass} disabled={create.isPending}>{t("console.gates.create")}</button>
      </form>
      {create.error && <ProblemMessage error={create.error} onRetry={() => create.reset()} />}
      {made && (
        <div role="status" className="mb-3 rounded border border-amber-700 bg-amber-50 p-3 text-amber-950" data-testid="gate-account-made">
          <p className="font-semibold">{t("console.gates.once")}</p>
          <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 font-mono text-sm">
            <dt>{t("console.gates.login")}</dt><dd data-testid="gate-login">{made.login}</dd>
            <dt>{t("console.gates.password")}</dt><dd data-testid="gate-password">{made.password}</dd>
          </dl>
          <p className="mt-1 text-sm">{t("console.gates.where", { path: `/gate/${eventId}` })}</p>
        </div>
      )}
      {list.error && <ProblemMessage error={list.error} onRetry={() => list.refetch()} />}
      {list.data && (
        <>
          <p className="mb-1 text-sm">{t("console.gates.count", { n: list.data.enabled, limit: list.data.limit })}</p>
          <ul className="divide-y divide-slate-200">
            {list.data.accounts.map((a) => (
              <li key={a.account_id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <span><strong>{a.label}</strong> <span className="font-mono text-xs">{a.login}</span> · {a.enabled ? t("console.gates.enabled") : t("console.gates.disabledAt", { at: a.disabled_at ? date(a.disabled_at) : "" })}</span>
                {a.enabled && (
                  <button type="button" className="rounded border border-red-800 px-3 py-1 text-sm text-red-800 hover:bg-red-50"
                    disabled={disable.isPending} onClick={() => disable.mutate(a.account_id)} aria-label={t("console.gates.disableNamed", { label: a.label })}>
                    {t("console.gates.disable")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {disable.error && <ProblemMessage error={disable.error} onRetry={() => disable.reset()} />}
    </section>
  );
}
