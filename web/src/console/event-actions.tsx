import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { eventOperations } from "../../../src/contract/events";
import { call } from "../api/client";
import { buttonClass } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import type { ConsoleEvent } from "./event-editor";

/**
 * Publish, and cancel with the consequence spelled out first: how many confirmed bookings the
 * cancellation refunds and their total, read from the room (`GET /api/events/{id}/stats`), then
 * the event's title typed to confirm, then the result.
 */
export function EventActions({ event }: { event: ConsoleEvent }) {
  const { t, money } = useI18n();
  const queries = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const [refunded, setRefunded] = useState<{ n: number; total: number } | null>(null);
  const saved = (e: ConsoleEvent) => {
    queries.setQueryData(["console-event", e.event_id], e);
    void queries.invalidateQueries({ queryKey: ["organizer-events"] });
  };
  const publish = useMutation({ mutationFn: () => call(eventOperations.publish, { auth: true, params: { id: event.event_id } }), onSuccess: saved });
  const stats = useQuery({
    queryKey: ["cancel-consequence", event.event_id],
    queryFn: () => call(eventOperations.stats, { auth: true, params: { id: event.event_id } }),
    enabled: confirming,
  });
  const cancel = useMutation({
    mutationFn: () => call(eventOperations.cancel, { auth: true, params: { id: event.event_id } }),
    onSuccess: (e) => {
      setRefunded({ n: stats.data?.bookings.confirmed ?? 0, total: stats.data?.revenue ?? 0 });
      setConfirming(false);
      saved(e);
    },
  });

  if (event.status === "cancelled") {
    return refunded
      ? <p role="status" className="rounded border border-green-700 bg-green-50 p-3 text-green-900" data-testid="cancel-result">
          {t("console.actions.cancelled", { n: refunded.n, total: money(refunded.total, event.currency) })}</p>
      : null;
  }
  return (
    <section aria-labelledby="actions-title" className="mb-6 rounded-lg border border-slate-300 bg-white p-4">
      <h2 id="actions-title" className="mb-2 text-lg font-semibold">{t("console.actions.title")}</h2>
      {publish.error && <ProblemMessage error={publish.error} onRetry={() => publish.reset()} />}
      {publish.isSuccess && <p role="status" className="mb-2 text-green-800">{t("console.actions.published")}</p>}
      <div className="flex flex-wrap gap-2">
        {event.status === "draft" && (
          <button type="button" className={buttonClass} disabled={publish.isPending} onClick={() => publish.mutate()}>{t("console.actions.publish")}</button>
        )}
        {!confirming && (
          <button type="button" onClick={() => { setTyped(""); setConfirming(true); }}
            className="rounded border border-red-800 px-4 py-2 font-medium text-red-800 hover:bg-red-50">{t("console.actions.cancel")}</button>
        )}
      </div>
      {confirming && (
        <div className="mt-3 rounded border border-red-300 bg-red-50 p-3 text-red-950" data-testid="cancel-consequence">
          <p className="font-medium">{t("console.actions.cancelCheck")}</p>
          {stats.error && <ProblemMessage error={stats.error} onRetry={() => stats.refetch()} />}
          {!stats.data && !stats.error && <p role="status">{t("common.loading")}</p>}
          {stats.data && (
            <>
              <p data-testid="cancel-refunds">{t("console.actions.consequence", { n: stats.data.bookings.confirmed, total: money(stats.data.revenue, event.currency) })}</p>
              {stats.data.bookings.reserved > 0 && <p>{t("console.actions.holds", { n: stats.data.bookings.reserved })}</p>}
              <label htmlFor="cancel-confirm" className="mt-2 block">{t("console.actions.typeToConfirm", { title: event.title })}</label>
              <input id="cancel-confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off"
                className="mt-1 w-full rounded border border-slate-400 bg-white px-2 py-1" />
              {cancel.error && <ProblemMessage error={cancel.error} onRetry={() => cancel.reset()} />}
              <div className="mt-2 flex flex-wrap gap-2">
                <button type="button" disabled={typed !== event.title || cancel.isPending} onClick={() => cancel.mutate()}
                  className="rounded bg-red-800 px-4 py-2 font-medium text-white hover:bg-red-900 disabled:opacity-60">{t("console.actions.confirmCancel")}</button>
                <button type="button" onClick={() => setConfirming(false)} className="rounded border border-slate-500 px-4 py-2">{t("console.actions.keep")}</button>
              </div>
            </>
          )}
        </div>
      )}
    </section>
  );
}
