import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { salesOperations } from "../../../src/contract/sales";
import { call } from "../api/client";
import { buttonClass } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { eventStatusKey } from "./access";

const STATUSES = ["draft", "published", "cancelled"] as const;

/** /organizer: my events, drafts included, with what sold; newest first, a page at a time. */
export function ConsoleEventsPage() {
  const { t, date } = useI18n();
  const [status, setStatus] = useState<(typeof STATUSES)[number] | "">("");
  const list = useInfiniteQuery({
    queryKey: ["organizer-events", status],
    queryFn: ({ pageParam }) => call(salesOperations.myEvents, { auth: true, query: { status: status || undefined, cursor: pageParam ?? undefined, limit: 20 } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const events = list.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <section>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">{t("console.title")}</h1>
        <Link to="/organizer/events/new" className={buttonClass}>{t("console.new")}</Link>
      </div>
      <div className="mb-3 flex items-center gap-2">
        <label htmlFor="console-status" className="font-medium">{t("console.col.status")}</label>
        <select id="console-status" value={status} onChange={(e) => setStatus(STATUSES.find((s) => s === e.target.value) ?? "")}
          className="rounded border border-slate-400 bg-white px-2 py-1">
          <option value="">{t("console.allStatuses")}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{t(eventStatusKey(s))}</option>)}
        </select>
      </div>
      {list.error && <ProblemMessage error={list.error} onRetry={() => list.refetch()} />}
      {list.isPending && <p role="status">{t("common.loading")}</p>}
      {list.data && events.length === 0 && <p>{t("console.empty")}</p>}
      {events.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full border-collapse bg-white text-left text-sm">
            <thead>
              <tr className="border-b border-slate-300">
                <th scope="col" className="p-2">{t("console.col.title")}</th>
                <th scope="col" className="p-2">{t("console.col.status")}</th>
                <th scope="col" className="p-2">{t("console.col.start")}</th>
                <th scope="col" className="p-2">{t("console.col.sold")}</th>
                <th scope="col" className="p-2">{t("console.col.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.event_id} className="border-b border-slate-200" data-testid="console-event">
                  <td className="p-2 font-medium">{e.title}</td>
                  <td className="p-2">{t(eventStatusKey(e.status))}</td>
                  <td className="p-2">{date(e.start_date)}</td>
                  <td className="p-2">{e.sold} / {e.total_seats}</td>
                  <td className="p-2">
                    <span className="flex flex-wrap gap-2">
                      <Link to={`/organizer/events/${e.event_id}`} className="text-indigo-800 underline" aria-label={`${t("console.edit")}: ${e.title}`}>{t("console.edit")}</Link>
                      <Link to={`/organizer/events/${e.event_id}/sales`} className="text-indigo-800 underline" aria-label={`${t("console.sales")}: ${e.title}`}>{t("console.sales")}</Link>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage} className={`${buttonClass} mt-3`}>{t("console.more")}</button>
      )}
    </section>
  );
}
