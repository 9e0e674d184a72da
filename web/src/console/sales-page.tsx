import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { BOOKING_STATES, type BookingState } from "../../../src/domain/booking-state";
import { eventOperations } from "../../../src/contract/events";
import { paymentOperations } from "../../../src/contract/payments";
import { salesOperations } from "../../../src/contract/sales";
import { call, type Answer } from "../api/client";
import { buttonClass } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/messages";
import { EventProblem } from "./access";
import { downloadWithAuth } from "./download";

type Sale = Answer<typeof salesOperations.bookings>["bookings"][number];
interface Filters { status: BookingState | ""; from: string; to: string; q: string }
const NO_FILTERS: Filters = { status: "", from: "", to: "", q: "" };

/** The filters as the API's query: dates are whole local days (`to` includes its day). */
function queryOf(f: Filters): Record<string, string | undefined> {
  const day = (d: string, plus = 0) => (d ? new Date(new Date(`${d}T00:00:00`).getTime() + plus * 86400_000).toISOString() : undefined);
  return { status: f.status || undefined, from: day(f.from), to: day(f.to, 1), q: f.q.trim() || undefined };
}

function RefundButton({ sale, onDone }: { sale: Sale; onDone: (status: string) => void }) {
  const { t } = useI18n();
  const refund = useMutation({
    mutationFn: () => call(paymentOperations.refund, { auth: true, params: { booking_id: sale.booking_id } }),
    onSuccess: (r) => onDone(r.refund === "completed" ? t("console.sales.refundDone") : t("console.sales.refundPending")),
  });
  return (
    <>
      <button type="button" disabled={refund.isPending || refund.isSuccess} onClick={() => refund.mutate()}
        aria-label={t("console.sales.refundNamed", { id: sale.booking_id.slice(0, 8) })}
        className="rounded border border-red-800 px-2 py-1 text-sm text-red-800 hover:bg-red-50 disabled:opacity-60">{t("console.sales.refund")}</button>
      {refund.error && <ProblemMessage error={refund.error} onRetry={() => refund.mutate()} />}
    </>
  );
}

/** /organizer/events/:id/sales: the event's bookings, filtered and paged by cursor; CSV of the same filters; refunds. */
export function SalesPage() {
  const { id = "" } = useParams();
  const { t, money, date } = useI18n();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // Cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [refunds, setRefunds] = useState<Record<string, string>>({});
  const [exporting, setExporting] = useState<unknown>(null);
  const cursor = cursors.at(-1) ?? null;
  const event = useQuery({ queryKey: ["console-event", id], queryFn: () => call(eventOperations.get, { auth: true, params: { id } }) });
  const page = useQuery({
    queryKey: ["sales", id, filters, cursor],
    queryFn: () => call(salesOperations.bookings, { auth: true, params: { id }, query: { ...queryOf(filters), cursor: cursor ?? undefined, limit: 50 } }),
  });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setCursors([null]);
  };
  const csv = async () => {
    setExporting(null);
    const q = new URLSearchParams(Object.entries(queryOf(filters)).filter((x): x is [string, string] => x[1] !== undefined));
    const qs = q.toString();
    try {
      await downloadWithAuth(`/api/events/${encodeURIComponent(id)}/bookings/export${qs ? `?${qs}` : ""}`, `bookings-${id}.csv`);
    } catch (err) {
      setExporting(err);
    }
  };
  if (page.error && !page.data) return <EventProblem error={page.error} onRetry={() => page.refetch()} />;
  const input = "rounded border border-slate-400 bg-white px-2 py-1";
  return (
    <section>
      <h1 className="mb-1 text-2xl font-bold">{t("console.sales.title")}{event.data ? `: ${event.data.title}` : ""}</h1>
      <p className="mb-4"><Link to={`/organizer/events/${id}`} className="text-indigo-800 underline">{t("console.edit")}</Link></p>
      <form onSubmit={apply} className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-300 bg-white p-3" aria-label={t("console.sales.filters")}>
        <div className="flex flex-col gap-1">
          <label htmlFor="sales-status" className="text-sm font-medium">{t("console.sales.status")}</label>
          <select id="sales-status" className={input} value={draft.status} onChange={(e) => setDraft({ ...draft, status: BOOKING_STATES.find((s) => s === e.target.value) ?? "" })}>
            <option value="">{t("console.allStatuses")}</option>
            {BOOKING_STATES.map((s) => <option key={s} value={s}>{t(`status.${s}` as MessageKey)}</option>)}
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="sales-from" className="text-sm font-medium">{t("console.sales.from")}</label>
          <input id="sales-from" type="date" className={input} value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="sales-to" className="text-sm font-medium">{t("console.sales.to")}</label>
          <input id="sales-to" type="date" className={input} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
        <div className="flex flex-1 flex-col gap-1">
          <label htmlFor="sales-q" className="text-sm font-medium">{t("console.sales.search")}</label>
          <input id="sales-q" type="search" maxLength={200} className={input} value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} />
        </div>
        <button type="submit" className={buttonClass}>{t("console.sales.apply")}</button>
        <button type="button" onClick={csv} className="rounded border border-indigo-700 px-4 py-2 font-medium text-indigo-800 hover:bg-indigo-50">{t("console.sales.csv")}</button>
      </form>
      {exporting !== null && <ProblemMessage error={exporting} onRetry={csv} />}
      {page.error && <ProblemMessage error={page.error} onRetry={() => page.refetch()} />}
      {page.isPending && <p role="status">{t("common.loading")}</p>}
      {page.data && <p className="mb-2" data-testid="sales-total">{t("console.sales.total", { n: page.data.total })}</p>}
      {page.data?.bookings.length === 0 && <p>{t("console.sales.empty")}</p>}
      {page.data && page.data.bookings.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full border-collapse bg-white text-left text-sm">
            <thead>
              <tr className="border-b border-slate-300">
                {(["booking", "created", "buyer", "items", "amount", "status", "actions"] as const).map((c) => <th key={c} scope="col" className="p-2">{t(`console.sales.col.${c}`)}</th>)}
              </tr>
            </thead>
            <tbody>
              {page.data.bookings.map((s) => (
                <tr key={s.booking_id} className="border-b border-slate-200" data-testid="sale">
                  <td className="p-2 font-mono" title={s.booking_id}>{s.booking_id.slice(0, 8)}</td>
                  <td className="p-2">{date(s.created_at)}</td>
                  <td className="p-2">{s.name}<br /><span className="text-slate-700">{s.email}</span></td>
                  <td className="p-2">{s.seats.length ? s.seats.join(", ") : `${s.area ?? ""} × ${s.quantity}`}</td>
                  <td className="p-2">{money(s.total_amount, s.currency)}</td>
                  <td className="p-2" data-testid="sale-status">{refunds[s.booking_id] ?? t(`status.${s.status}` as MessageKey)}</td>
                  <td className="p-2">
                    {s.status === "confirmed" && !refunds[s.booking_id] && <RefundButton sale={s} onDone={(r) => setRefunds((x) => ({ ...x, [s.booking_id]: r }))} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="mt-3 flex gap-2">
        {cursors.length > 1 && <button type="button" className={buttonClass} onClick={() => setCursors((c) => c.slice(0, -1))}>{t("console.sales.previous")}</button>}
        {page.data?.next_cursor && <button type="button" className={buttonClass} onClick={() => setCursors((c) => [...c, page.data.next_cursor])}>{t("console.sales.next")}</button>}
      </div>
    </section>
  );
}
