import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { eventOperations } from "../../../src/contract/events";
import { call } from "../api/client";
import { ApiError } from "../api/problem";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";

const tabClass = ({ isActive }: { isActive: boolean }) => `rounded px-3 py-1 ${isActive ? "bg-indigo-800 text-white" : "text-indigo-900 underline hover:bg-indigo-100"}`;

/**
 * The frame of both dashboards: the event's title, the way between them, and who may look. The
 * API decides access (the event's organizer and admins); a refusal is said kindly, not as an error.
 */
export function DashboardFrame({ eventId, heading, access, children }: { eventId: string; heading: string; access: { error: unknown; isPending: boolean; refetch: () => unknown }; children: ReactNode }) {
  const { t } = useI18n();
  const event = useQuery({ queryKey: ["event", eventId], queryFn: () => call(eventOperations.get, { params: { id: eventId }, auth: true }) });
  const error = access.error;
  return (
    <section>
      <p className="text-sm text-slate-700">{event.data?.title ?? ""}</p>
      <h1 className="mb-2 text-2xl font-bold">{heading}</h1>
      <nav aria-label={heading} className="mb-4 flex gap-2 text-sm">
        <NavLink to={`/organizer/events/${eventId}/live`} className={tabClass}>{t("live.liveLink")}</NavLink>
        <NavLink to={`/organizer/events/${eventId}/check-in`} className={tabClass}>{t("live.checkInLink")}</NavLink>
      </nav>
      {error instanceof ApiError && error.status === 403 ? (
        <p role="alert" className="rounded-lg border border-slate-300 bg-white p-4" data-testid="dashboard-denied">{t("live.denied")}</p>
      ) : error instanceof ApiError && error.status === 404 ? (
        <p role="alert" className="rounded-lg border border-slate-300 bg-white p-4">{t("live.notFound")}</p>
      ) : error ? (
        <ProblemMessage error={error} onRetry={() => access.refetch()} />
      ) : access.isPending ? (
        <p role="status">{t("common.loading")}</p>
      ) : children}
    </section>
  );
}

/** One figure: a label and its value, in a definition list. */
export function Figure({ label, value, id }: { label: string; value: ReactNode; id: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <dt className="text-sm text-slate-700">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums" data-testid={`figure-${id}`}>{value}</dd>
    </div>
  );
}
