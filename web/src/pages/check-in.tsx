import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useParams } from "react-router";
import { gateOperations } from "../../../src/contract/gate";
import { gateAccountOperations } from "../../../src/contract/gate-accounts";
import { call } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { DashboardFrame, Figure } from "../live/dashboard-frame";
import { gateSeries } from "../live/gate-series";
import { accountIdsOf, gateName } from "../live/gate-names";
import { TimeChart } from "../live/time-chart";

const COLOURS = ["#4338ca", "#047857", "#b45309", "#b91c1c", "#0e7490", "#7e22ce", "#4d7c0f", "#be185d"];
/** The chart draws the busiest gates; the table lists every one the API sends. */
const CHARTED_GATES = COLOURS.length;

export function CheckInPage() {
  const { t, date } = useI18n();
  const eventId = useParams().id ?? "";
  // Refreshed every second; a refusal (403) stops the polling and is said kindly.
  const figures = useQuery({
    queryKey: ["check-ins", eventId],
    queryFn: () => call(gateOperations.checkIns, { params: { id: eventId }, auth: true }),
    refetchInterval: (q) => (q.state.error ? false : 1000),
  });
  const d = figures.data;
  // The labels of the gate accounts that scanned: read again only when an account not seen before appears.
  const accountIds = useMemo(() => accountIdsOf(d?.gates.map((g) => g.gate_id) ?? []), [d]);
  const accounts = useQuery({
    queryKey: ["gate-accounts", eventId, accountIds.join(",")],
    queryFn: () => call(gateAccountOperations.list, { auth: true, params: { id: eventId } }),
    enabled: accountIds.length > 0,
    placeholderData: (previous) => previous,
  });
  const labels = useMemo(() => new Map((accounts.data?.accounts ?? []).map((a) => [a.account_id, a.label])), [accounts.data]);
  /** The gate's name, and who scanned there when it was a gate account (its label; its short id until the labels arrive). */
  const named = (recorded: string) => {
    const { gate, accountId } = gateName(recorded);
    const account = accountId === null ? null : labels.get(accountId) ?? t("checkin.account", { id: accountId.slice(0, 8) });
    return { gate, account, text: account === null ? gate : t("checkin.gateBy", { gate, account }) };
  };
  const chart = useMemo(() => gateSeries(d?.gates.slice(0, CHARTED_GATES) ?? [], d ? Date.now() : 0), [d]);
  const lastMinute = (gate: string) => chart.lines.find((l) => l.gate === gate)?.values.at(-1) ?? 0;
  return (
    <DashboardFrame eventId={eventId} heading={t("checkin.title")} access={figures}>
      {d && (
        <>
          {d.doors_opened_at && <p className="text-slate-700" data-testid="doors-opened">{t("checkin.doorsOpened", { time: date(d.doors_opened_at) })}</p>}
          <dl className="my-3 grid grid-cols-2 gap-3 sm:grid-cols-4">
            <Figure id="checkin-in" label={t("checkin.totalIn")} value={d.admitted} />
            <Figure id="checkin-tickets" label={t("checkin.tickets")} value={d.tickets} />
            <Figure id="checkin-no-shows" label={t("checkin.noShows")} value={d.no_shows ?? t("checkin.noShowsBefore")} />
            <Figure id="checkin-conflicts" label={t("checkin.conflicts")} value={d.conflicts} />
          </dl>
          <TimeChart id="gates" title={t("checkin.perGate")} x={chart.x}
            lines={chart.lines.map((l, i) => ({ label: named(l.gate).text, values: l.values, colour: COLOURS[i % COLOURS.length] ?? "#4338ca" }))} />
          {d.gates.length === 0 ? <p className="mt-3">{t("checkin.noGates")}</p> : (
            <table className="mt-4 w-full border-collapse rounded-lg bg-white text-left" data-testid="gate-table">
              <caption className="sr-only">{t("checkin.perGate")}</caption>
              <thead><tr className="border-b border-slate-300">
                <th scope="col" className="p-2">{t("checkin.gate")}</th><th scope="col" className="p-2">{t("checkin.entries")}</th><th scope="col" className="p-2">{t("checkin.lastMinute")}</th>
              </tr></thead>
              <tbody>
                {d.gates.map((g) => {
                  const n = named(g.gate_id);
                  return (
                  <tr key={g.gate_id} className="border-b border-slate-200" data-testid="gate-row">
                    <th scope="row" className="p-2 font-medium">
                      <span data-testid="gate-name">{n.gate}</span>
                      {n.account !== null && <span className="block text-sm font-normal text-slate-700" data-testid="gate-account">{t("checkin.byAccount", { account: n.account })}</span>}
                    </th>
                    <td className="p-2 tabular-nums" data-testid={`gate-entries-${g.gate_id}`}>{g.entries}</td>
                    <td className="p-2 tabular-nums">{lastMinute(g.gate_id)}</td>
                  </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </DashboardFrame>
  );
}
