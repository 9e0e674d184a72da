/** The report's sections for the load models and each process's CPU (no I/O here). */
import { markdownTable } from "../lib/bench-stats";
import type { CpuUsage } from "./cpu";
import type { LoadModelsResult } from "./load-models";

const num = (x: number, digits = 1) => x.toFixed(digits);
const RIGHT = (n: number) => [false, ...Array.from({ length: n - 1 }, () => true)];

/** One CPU row: % of one core per process group, the app's workerd ms per request, and the whole machine. */
function cpuRow(run: string, cpu: CpuUsage): string[] {
  const g = (name: string) => cpu.groups[name]?.core_pct ?? 0;
  const ms = (name: string) => cpu.groups[name]?.ms_per_request;
  const workerdMs = ms("app_workerd") === undefined ? undefined : (ms("app_workerd") ?? 0) + (ms("baseline_workerd") ?? 0);
  const pgMs = cpu.groups.postgres?.ms_per_request;
  return [
    run, num(cpu.wall_s), num(g("app_workerd")), num(g("baseline_workerd")), workerdMs === undefined ? "-" : num(workerdMs, 2),
    num(g("app_wrangler") + g("baseline_wrangler")), num(g("postgres")), pgMs === undefined ? "-" : num(pgMs, 2), num(g("bench")),
    num(cpu.other_core_pct), `${num(cpu.machine_core_pct)} / ${cpu.cores * 100}`,
  ];
}

export function cpuTable(rows: { run: string; cpu: CpuUsage }[]): string {
  const header = ["run", "wall s", "app workerd %", "baseline workerd %", "workerd ms/req", "wrangler (node) %", "postgres %", "postgres ms/req", "bench node %", "other %", "machine %"];
  return markdownTable(header, rows.map((r) => cpuRow(r.run, r.cpu)), RIGHT(header.length));
}

/** Every run that measured CPU, in the order it ran. */
export function cpuRuns(closed: { name: string; cpu?: CpuUsage }[], models: LoadModelsResult | undefined): { run: string; cpu: CpuUsage }[] {
  const out: { run: string; cpu: CpuUsage }[] = [];
  for (const s of closed) if (s.cpu) out.push({ run: `closed ${s.name}`, cpu: s.cpu });
  if (models) {
    for (const o of models.open) out.push({ run: `open ${o.name}`, cpu: o.cpu });
    out.push({ run: "spike", cpu: models.spike.cpu });
    for (const s of models.multi_event) out.push({ run: `${s.events} event${s.events > 1 ? "s" : ""}`, cpu: s.cpu });
  }
  return out;
}

export function renderModels(m: LoadModelsResult): string {
  const open = markdownTable(
    ["scenario", "offered req/s", "answered req/s", "errors", "p50 ms", "p99 ms", "max ms", "p50 uncorrected", "p99 uncorrected", "peak in flight", "send lag max ms"],
    m.open.map((o) => [o.name, num(o.offered_rps), num(o.achieved_rps), String(o.errors), num(o.latency_ms.p50, 2), num(o.latency_ms.p99, 2), num(o.latency_ms.max, 2),
      num(o.service_latency_ms.p50, 2), num(o.service_latency_ms.p99, 2), String(o.peak_in_flight), num(o.send_lag_ms.max, 2)]),
    RIGHT(11),
  );
  const s = m.spike;
  const spikeRows = markdownTable(
    ["second", "offered", "answered", "errors", "p50 ms", "p95 ms", "p99 ms"],
    s.per_second.map((r) => [String(r.second), String(r.offered), String(r.answered), String(r.errors), num(r.p50, 2), num(r.p95, 2), num(r.p99, 2)]),
    RIGHT(7),
  );
  const multi = markdownTable(
    ["events", "in flight", "requests", "errors", "req/s", "× 1 event", "room req/s min–max", "p50 ms", "p99 ms", "app workerd %", "machine %"],
    m.multi_event.map((x) => [String(x.events), String(x.in_flight), String(x.requests), String(x.errors), num(x.rps), num(x.scaling, 2),
      `${num(x.room_rps.min)}–${num(x.room_rps.max)}`, num(x.latency_ms.p50, 2), num(x.latency_ms.p99, 2),
      num(x.cpu.groups.app_workerd?.core_pct ?? 0), `${num(x.cpu.machine_core_pct)} / ${x.cpu.cores * 100}`]),
    RIGHT(11),
  );
  const held = m.held;
  const created = held.events.reduce((t, e) => t + e.created_201, 0);
  return [
    "### Open model (fixed arrival rate, coordinated omission corrected)",
    "",
    m.ran_at_once.open + " \"Uncorrected\" is the same run timed from the actual send, as a closed loop would report it.",
    "",
    open,
    "",
    "### Spike",
    "",
    `${m.ran_at_once.spike} ${s.requests} requests, ${s.errors} errors; overall p50 ${num(s.latency_ms.p50, 2)} ms, p99 ${num(s.latency_ms.p99, 2)} ms, ` +
      `peak ${s.peak_in_flight} in flight.`,
    "",
    spikeRows,
    "",
    "### Reserve on several events at once",
    "",
    m.ran_at_once.multi_event,
    "",
    multi,
    "",
    `Load-model events: **${held.ok ? "OK" : "FAILED"}**: ${created} reserves answered 201 over ${held.events.length} events; every event's room and ` +
      `Postgres hold ${held.ok ? "exactly that many seats" : "a different number of seats (see latest.json)"}.`,
    "",
  ].join("\n");
}
