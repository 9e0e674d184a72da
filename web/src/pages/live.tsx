import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import { useParams } from "react-router";
import type { z } from "zod";
import { eventOperations } from "../../../src/contract/events";
import { queueSettingsSchema } from "../../../src/domain/waiting-room";
import { call } from "../api/client";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { DashboardFrame, Figure } from "../live/dashboard-frame";
import { latestSample, recentRates, seriesOf } from "../live/series";
import { TimeChart } from "../live/time-chart";
import { useLiveFeed, type LiveFeedView } from "../live/use-live-feed";

/** "updated 0.6 s ago", redrawn ten times a second from the arrival of the last frame. */
function Staleness({ feed }: { feed: LiveFeedView }) {
  const { t } = useI18n();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, []);
  if (feed.state === "reconnecting") return <p className="text-amber-900" data-testid="staleness">{t("live.reconnecting")}</p>;
  if (feed.receivedAt === null) return <p data-testid="staleness">{t("live.waitingFirst")}</p>;
  return <p className="text-slate-700" data-testid="staleness">{t("live.updated", { seconds: (Math.max(0, now - feed.receivedAt) / 1000).toFixed(1) })}</p>;
}

const outflowForm = queueSettingsSchema.pick({ enabled: true, admit_per_minute: true, max_active: true });
type OutflowForm = z.output<typeof outflowForm>;

/** admit_per_minute and max_active changed live: the rest of the settings are sent back as they are. */
function OutflowControl({ eventId }: { eventId: string }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const current = useQuery({ queryKey: ["queue-settings", eventId], queryFn: () => call(eventOperations.getQueue, { params: { id: eventId }, auth: true }) });
  const form = useForm<OutflowForm>({ resolver: zodResolver(outflowForm) });
  useEffect(() => {
    if (current.data) form.reset({ enabled: current.data.enabled, admit_per_minute: current.data.admit_per_minute, max_active: current.data.max_active });
  }, [current.data, form]);
  const save = useMutation({
    mutationFn: (v: OutflowForm) => {
      if (!current.data) throw new Error("settings not loaded");
      const { event_id: _id, ...settings } = current.data;
      return call(eventOperations.putQueue, { params: { id: eventId }, auth: true, body: { ...settings, ...v } });
    },
    onSuccess: (saved) => queries.setQueryData(["queue-settings", eventId], saved),
  });
  const errors = form.formState.errors;
  return (
    <section aria-labelledby="outflow-title" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="outflow-title" className="text-lg font-semibold">{t("live.control")}</h2>
      <p className="mb-2 text-sm text-slate-700">{t("live.control.help")}</p>
      {current.error && <ProblemMessage error={current.error} onRetry={() => current.refetch()} />}
      <form onSubmit={form.handleSubmit((v) => save.mutate(v))} className="flex flex-wrap items-end gap-3" noValidate>
        <label className="flex flex-col text-sm">{t("live.control.admit")}
          <input type="number" min={1} inputMode="numeric" {...form.register("admit_per_minute", { valueAsNumber: true })}
            aria-invalid={errors.admit_per_minute ? true : undefined} className="w-36 rounded border border-slate-400 px-2 py-1" />
        </label>
        <label className="flex flex-col text-sm">{t("live.control.maxActive")}
          <input type="number" min={1} inputMode="numeric" {...form.register("max_active", { valueAsNumber: true })}
            aria-invalid={errors.max_active ? true : undefined} className="w-36 rounded border border-slate-400 px-2 py-1" />
        </label>
        <label className="flex items-center gap-2 text-sm"><input type="checkbox" {...form.register("enabled")} />{t("live.control.enabled")}</label>
        <button type="submit" disabled={!current.data || save.isPending} className="rounded bg-indigo-800 px-4 py-1.5 text-white hover:bg-indigo-900 disabled:opacity-60">{t("live.control.apply")}</button>
      </form>
      {(errors.admit_per_minute || errors.max_active) && <p role="alert" className="mt-2 text-red-800">{t("error.validation_failed")}</p>}
      {save.error && <ProblemMessage error={save.error} onRetry={() => save.reset()} />}
      {save.data && <p role="status" className="mt-2 text-green-800" data-testid="outflow-applied">{t("live.control.applied", { admit: save.data.admit_per_minute, max: save.data.max_active })}</p>}
    </section>
  );
}

function LiveBoard({ eventId, currency }: { eventId: string; currency: string }) {
  const { t, money } = useI18n();
  const feed = useLiveFeed(eventId, true);
  // Recomputed per frame (at most once a second): an hour is at most 721 samples.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const series = useMemo(() => seriesOf(feed.ring), [feed.version]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const rates = useMemo(() => recentRates(feed.ring), [feed.version]);
  const last = latestSample(feed.ring);
  const seconds = (n: number | null) => (n === null ? t("live.none") : n < 60 ? t("live.seconds", { n }) : t("live.minutes", { m: Math.floor(n / 60), s: n % 60 }));
  const lines = useMemo(() => ({
    inflow: [{ label: t("live.series.inflow"), values: series.inflowPerSecond, colour: "#4338ca" }],
    outflow: [{ label: t("live.series.outflow"), values: series.outflowPerMinute, colour: "#047857" }, { label: t("live.series.cap"), values: series.cap, colour: "#b91c1c", dash: true }],
    line: [
      { label: t("live.series.waiting"), values: series.waiting, colour: "#4338ca" }, { label: t("live.series.active"), values: series.active, colour: "#047857" },
      { label: t("live.series.held"), values: series.held, colour: "#b45309" }, { label: t("live.series.maxActive"), values: series.maxActive, colour: "#b91c1c", dash: true },
    ],
    sales: [{ label: t("live.series.sold"), values: series.soldPerMinute, colour: "#047857" }],
    revenue: [{ label: t("live.series.revenue"), values: series.revenue, colour: "#4338ca" }],
    wait: [{ label: t("live.series.p50"), values: series.waitP50, colour: "#4338ca" }, { label: t("live.series.p90"), values: series.waitP90, colour: "#b45309" }],
  }), [series, t]);
  return (
    <>
      <Staleness feed={feed} />
      <h2 className="mt-3 mb-2 text-lg font-semibold">{t("live.figures")}</h2>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
        <Figure id="inflow" label={t("live.inflow")} value={rates.inflowPerSecond} />
        <Figure id="waiting" label={t("live.waiting")} value={last?.waiting ?? t("live.none")} />
        <Figure id="outflow" label={t("live.outflow")} value={last ? `${rates.outflowPerMinute} / ${last.admit_per_minute}` : t("live.none")} />
        <Figure id="wait" label={t("live.wait")} value={last ? `${seconds(last.wait_p50)} / ${seconds(last.wait_p90)}` : t("live.none")} />
        <Figure id="no-show" label={t("live.noShow")} value={last?.no_show_rate == null ? t("live.none") : `${Math.round(last.no_show_rate * 100)}%`} />
        <Figure id="active" label={t("live.active")} value={last ? `${last.active} / ${last.max_active}` : t("live.none")} />
        <Figure id="held" label={t("live.holds")} value={last?.held ?? t("live.none")} />
        <Figure id="sold-per-minute" label={t("live.soldPerMinute")} value={rates.soldPerMinute} />
        <Figure id="sold" label={t("live.sold")} value={last ? `${last.sold} / ${last.capacity}` : t("live.none")} />
        <Figure id="revenue" label={t("live.revenue")} value={last ? money(last.revenue, currency) : t("live.none")} />
      </dl>
      <div className="my-4"><OutflowControl eventId={eventId} /></div>
      <h2 className="mt-4 mb-2 text-lg font-semibold">{t("live.charts")}</h2>
      <div className="grid gap-3 md:grid-cols-2">
        <TimeChart id="inflow" title={t("live.chart.inflow")} x={series.x} lines={lines.inflow} />
        <TimeChart id="outflow" title={t("live.chart.outflow")} x={series.x} lines={lines.outflow} />
        <TimeChart id="line" title={t("live.chart.line")} x={series.x} lines={lines.line} />
        <TimeChart id="wait" title={t("live.chart.wait")} x={series.x} lines={lines.wait} />
        <TimeChart id="sales" title={t("live.chart.sales")} x={series.x} lines={lines.sales} />
        <TimeChart id="revenue" title={t("live.chart.revenue")} x={series.x} lines={lines.revenue} />
      </div>
    </>
  );
}

export function LivePage() {
  const { t } = useI18n();
  const eventId = useParams().id ?? "";
  // The organizer's figures: also who may look (403 for anyone else) and the sale's currency.
  const stats = useQuery({ queryKey: ["event-stats", eventId], queryFn: () => call(eventOperations.stats, { params: { id: eventId }, auth: true }) });
  return (
    <DashboardFrame eventId={eventId} heading={t("live.title")} access={stats}>
      {stats.data && <LiveBoard eventId={eventId} currency={stats.data.currency} />}
    </DashboardFrame>
  );
}
