/**
 * The bench's report: bench-results/bench-<time>.json, latest.json and latest.md (git-ignored),
 * and the same summary in README.md between the bench markers.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { markdownTable, round, type Ratio, type ScenarioResult } from "../lib/bench-stats";
import { HELD_SEATS_CAP, RESULTS_DIR, type BenchConfig } from "./config";
import type { Consistency, OutboxLag } from "./consistency";
import type { CpuUsage } from "./cpu";
import type { LoadModelsResult } from "./load-models";
import { cpuRuns, cpuTable, renderModels } from "./report-models";
import type { PipelineResult } from "./scenarios/pipeline";
import type { TicketFormatResult } from "./tickets";

export const README_START = "<!-- bench:start -->";
export const README_END = "<!-- bench:end -->";
/** The scenarios compared with both baselines, in the ratio table's order. */
export const MEASURED = ["event", "reserve", "pay", "join", "poll", "scan"] as const;

export interface BenchReport {
  finished_at: string;
  setup: Record<string, unknown> & { ran_at_once: string };
  scenarios: (ScenarioResult & { warmup: { requests: number; ok: number; errors: number }; cpu?: CpuUsage })[];
  ratios: Record<string, Ratio>;
  consistency: Consistency;
  outbox: OutboxLag;
  pipeline: PipelineResult;
  /** The ticket formats in Node (tickets.ts): verify time of one code, manifest and delta sizes. */
  tickets: TicketFormatResult;
  /** Open model, spike and multi-event runs (absent with BENCH_MODELS=off). */
  load_models?: LoadModelsResult;
}

function ratioRows(ratios: Record<string, Ratio>): string[][] {
  const row = (label: string, r: Ratio | undefined) => [label, r ? r.throughput.toFixed(3) : "-", r ? `${r.latency_p50.toFixed(2)}×` : "-"];
  return [
    ...MEASURED.flatMap((n) => (["plain", "empty DO call"] as const).map((base) => row(`${n} / ${base}`, ratios[`${n}_vs_${base === "plain" ? "plain" : "do"}`]))),
    // The seat map is a large body: held to a plain Worker returning as many bytes.
    row("seats / plain, same size", ratios.seats_vs_plain_same_size),
  ];
}

/** Gate scans against the empty DO call (goal ≥ 0.8×), and the ticket formats against their goals. */
function renderTickets(r: BenchReport): string {
  const t = r.tickets;
  const vsDo = r.ratios.scan_vs_do;
  const mark = (ok: boolean) => (ok ? "goal met" : "goal NOT met");
  return [
    `Tickets and gates: a gate account scanning each ticket once ran at **${vsDo ? vsDo.throughput.toFixed(2) : "-"}×** the empty Durable Object call's throughput ` +
      `(goal ≥ 0.8×: ${vsDo ? mark(vsDo.throughput >= 0.8) : "not measured"}). In Node (${t.node}), verifying one code with the reference verifier took ` +
      `p50 ${t.verify_ms.p50} ms, p99 **${t.verify_ms.p99} ms** (goal ≤ 2 ms: ${mark(t.verify_ms.p99 <= 2)}; ${t.verify_ms.cpu_mean} ms CPU per code, ${t.verify_ms.codes} codes, load average ${round(t.load_average_1m ?? 0)}). ` +
      `A ${t.manifest_bytes.tickets.toLocaleString("en")}-ticket event's manifest (${t.manifest_bytes.revocations} revocations) is **${t.manifest_bytes.bytes.toLocaleString("en")} B** ` +
      `(goal ≤ 1 MB: ${mark(t.manifest_bytes.bytes <= t.manifest_bytes.goal)}); a ${t.delta_bytes.revocations}-revocation delta is **${t.delta_bytes.bytes.toLocaleString("en")} B** ` +
      `(goal ≤ 4 KB: ${mark(t.delta_bytes.bytes <= t.delta_bytes.goal)}).`,
  ].join("\n");
}

/** Everything after the heading: the same text in latest.md and README. */
export function renderBody(r: BenchReport): string {
  const c = r.consistency;
  const o = r.outbox;
  const p = r.pipeline;
  const table = markdownTable(
    ["scenario", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"],
    r.scenarios.map((s) => [s.name, String(s.requests), String(s.errors), s.rps.toFixed(1), s.latency_ms.p50.toFixed(2), s.latency_ms.p95.toFixed(2), s.latency_ms.p99.toFixed(2)]),
    [false, true, true, true, true, true, true],
  );
  const ratioTable = markdownTable(["ratio", "throughput (scenario ÷ baseline)", "p50 latency (scenario ÷ baseline)"], ratioRows(r.ratios), [false, true, true]);
  return [
    r.setup.ran_at_once,
    "",
    table,
    "",
    ratioTable,
    "",
    `Consistency: **${c.ok ? "OK" : "FAILED"}**: ${c.created_201} bookings answered 201 (warm-up included); Postgres holds ` +
      `${c.postgres_held_seats} seats in ${c.postgres_reserved_bookings} reserved bookings; the EventRoom holds ${c.room_held_seats} seats ` +
      `in ${c.room_reserved_bookings} reserved bookings; outbox pending ${c.outbox_pending}.`,
    "",
    `Pay flow: ${c.pay.flows} reserve → pay flows; every booking was confirmed ${(c.pay.confirm_drain_ms / 1000).toFixed(1)} s after the last 202 ` +
      `(webhooks are delivered asynchronously). Sold seats: room ${c.pay.room_sold_seats}, Postgres ${c.pay.postgres_sold_seats}; confirmed bookings: ` +
      `room ${c.pay.room_confirmed}, Postgres ${c.pay.postgres_confirmed}; confirmed totals ${c.pay.confirmed_total} = captured ${c.pay.captured_total} (KRW).`,
    "",
    `Outbox: right after the pay scenario, ${o.backlog_after_load} EventRoom messages (from the reserve and pay scenarios) were still waiting ` +
      `for Postgres; the outbox was empty **${(o.drain_ms / 1000).toFixed(1)} s** later (the room flushes while it sells, a batch of up to ` +
      `2,000 messages per round trip).`,
    "",
    "Latency is measured in the client from sending the request to reading the whole body, over successful requests; " +
      "local numbers compare code paths on this machine and say nothing about Cloudflare's edge.",
    "",
    `Event pipeline (outbox → Kafka → search consumer, one bridge, one KRaft broker, a burst of ${p.messages} outbox rows written at once): ` +
      `the bridge published **${p.bridge_events_per_s} events/s**; outbox insert → applied by the consumer took p50 ${p.end_to_end_lag_ms.p50} ms, ` +
      `p95 ${p.end_to_end_lag_ms.p95} ms, p99 **${p.end_to_end_lag_ms.p99} ms** (the burst queues behind itself, so this is the lag of a backlog, not of one message). ` +
      `The search consumer alone (kafkajs eachBatch, one statement per batch) worked through a published backlog of ${p.consumer.backlog} messages ` +
      `at **${p.consumer.msgs_per_s} messages/s** in ${p.consumer.batches} batches.`,
    "",
    renderTickets(r),
    "",
    ...(r.load_models ? [renderModels(r.load_models)] : []),
    "### CPU per process",
    "",
    "Read from /proc over each run's timed part: % of one core (100 = one core busy the whole run); ms/req = CPU ms per request " +
      "(workerd: both Workers' workerd processes; locally a Worker and every Durable Object it calls run in one workerd); \"other\" is the machine's busy time outside these processes.",
    "",
    cpuTable(cpuRuns(r.scenarios, r.load_models)),
    "",
  ].join("\n");
}

/** README's block: which run, with which settings, then the body. */
export function readmeBlock(r: BenchReport, overrides: Record<string, number | string>): string {
  const settings = Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join(", ");
  const how = settings ? `\`npm run bench\` with ${settings}` : "`npm run bench` with its defaults";
  return `Run of ${r.finished_at.slice(0, 10)} (${how}):\n\n${renderBody(r)}`;
}

/** Replaces what lies between the bench markers; the text around them stays as it is. */
export function replaceBetweenMarkers(readme: string, block: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} block`);
  return `${readme.slice(0, start + README_START.length)}\n${block.trimEnd()}\n${readme.slice(end)}`;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join("node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The machine, the versions and the settings of this run; `ran_at_once` opens the summary. */
export function describeSetup(config: BenchConfig, eventSeats: number, postgresVersion: string, loadAtStart: number[], loadBeforeTiming: number[]): BenchReport["setup"] {
  const cpus = os.cpus();
  const load1 = loadAtStart[0] ?? 0;
  return {
    concurrency: config.concurrency, requests_per_scenario: config.requests, warmup_per_scenario: config.warmup, users: config.users, event_seats: eventSeats,
    cores: cpus.length, cpu_model: cpus[0]?.model.trim() ?? "unknown", memory_gb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version, wrangler: packageVersion("wrangler"), workerd: packageVersion("workerd"), postgres: postgresVersion,
    app_log_level: config.logLevel ?? "wrangler.toml default",
    app_vars_overridden: { MAX_HELD_SEATS_PER_ACCOUNT: HELD_SEATS_CAP, STRIPE_SECRET_KEY: "(empty: payment simulator)", UPSTASH_REDIS_REST_URL: "(empty: Durable Object revocations)" },
    app_rate_limits: "every [[ratelimits]] binding raised to 1000000 (wrangler.raised.toml): counted on every request, never refusing",
    client_addresses: `one CF-Connecting-IP per user (${config.users}), set by the load generator`,
    /** os.loadavg() (1, 5, 15 min) before anything started, and just before the timed scenarios. */
    load_avg_at_start: loadAtStart, load_avg_before_timing: loadBeforeTiming,
    ran_at_once: `On one machine (${cpus.length} cores) at once: this Node process (load generator with fetch/undici, ` +
      `and the Postgres WebSocket proxy), two \`wrangler dev\` servers (local workerd: the app and the baseline Worker), ` +
      `and PostgreSQL ${postgresVersion} (fsync off). ${config.concurrency} requests in flight per scenario; scenarios run one after another. ` +
      `1-min load average before the bench started: ${load1}${load1 > 0.5 ? " (other work was running: numbers are noisy)" : ""}.`,
  };
}

/** Writes the JSON and markdown results (and README's block, unless told not to); returns the markdown. */
export function writeReport(r: BenchReport, opts: { overrides: Record<string, number | string>; updateReadme: boolean; readme?: string }): { markdown: string; files: string[] } {
  const markdown = `# Benchmark ${r.finished_at}\n\n${renderBody(r)}`;
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(r, null, 2)}\n`;
  const perRun = path.join(RESULTS_DIR, `bench-${r.finished_at.replace(/[:.]/g, "-")}.json`);
  const latestJson = path.join(RESULTS_DIR, "latest.json");
  const latestMd = path.join(RESULTS_DIR, "latest.md");
  fs.writeFileSync(perRun, json);
  fs.writeFileSync(latestJson, json);
  fs.writeFileSync(latestMd, markdown);
  const files = [perRun, latestJson, latestMd];
  if (opts.updateReadme) {
    const readme = opts.readme ?? "README.md";
    fs.writeFileSync(readme, replaceBetweenMarkers(fs.readFileSync(readme, "utf8"), readmeBlock(r, opts.overrides)));
    files.push(readme);
  }
  return { markdown, files };
}
