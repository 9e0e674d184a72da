/**
 * `npm run bench`: how expensive is each path compared with doing nothing?
 *
 * Starts its own PostgreSQL, the WebSocket proxy, the app Worker and a baseline Worker (both under
 * `wrangler dev`; scripts/lib/stack.ts), prepares accounts and events, then runs the scenarios in
 * scenarios/ one after another with a fixed number of requests in flight (plain, do, reserve,
 * pay, join, poll), checks that Postgres and the EventRoom agree with what the 201s promised
 * (consistency.ts), runs the load models on events of their own (load-models.ts: open model,
 * spike, several events at once), gate scans by a gate account (scenarios/scan.ts) and the
 * ticket formats' costs in Node (tickets.ts), measures the event pipeline over its own Kafka broker, and
 * writes the report (report.ts: bench-results/ and README.md), with each process's CPU (cpu.ts).
 * Settings: config.ts, models-config.ts.
 */
import fs from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { formatError } from "../../src/describe-error";
import { ratio, round } from "../lib/bench-stats";
import { ensureDevVars } from "../lib/dev-vars";
import { interrupted, stopAllStacks } from "../lib/stack";
import { benchConfig, STATE_DIR } from "./config";
import { checkConsistency, type OutboxLag } from "./consistency";
import { benchGroups, cpuMeter } from "./cpu";
import { runLoadModels } from "./load-models";
import { modelsConfig } from "./models-config";
import { waitForOutbox } from "./outbox";
import { runScenario, type ScenarioRun } from "./load";
import { describeSetup, MEASURED, writeReport } from "./report";
import { emptyDurableObjectCall } from "./scenarios/do";
import { join } from "./scenarios/join";
import { pay } from "./scenarios/pay";
import { benchPipeline } from "./scenarios/pipeline";
import { plain } from "./scenarios/plain";
import { poll } from "./scenarios/poll";
import { eventPage, plainSized, prepareReads, seatMap } from "./scenarios/reads";
import { reserve } from "./scenarios/reserve";
import { prepareScans, scan } from "./scenarios/scan";
import { measureTicketFormats, ticketFormatSettings } from "./tickets";
import { BENCH_PG_DIR, reloadGuard, startBenchStack } from "./services";
import { keepTokensFresh, prepare } from "./setup";

const started = performance.now();
const log = (msg: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

async function main(): Promise<number> {
  const config = benchConfig(process.env);
  const models = modelsConfig(process.env);
  // Other work on the machine (a test run, `npm start`) skews everything: record how busy it was.
  const loadAtStart = os.loadavg().map((x) => round(x));
  if ((loadAtStart[0] ?? 0) > 0.5) log(`warning: 1-min load average is ${loadAtStart[0]} before starting; results will be noisy`);
  await ensureDevVars();
  fs.rmSync(STATE_DIR, { recursive: true, force: true });
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const stack = await startBenchStack(config, log);
  const { app, baseline } = stack.workers;
  const noReloads = reloadGuard([app, baseline]);
  const meter = cpuMeter(benchGroups({ app, baseline }, BENCH_PG_DIR));
  const ctx = await prepare(config, app.url, baseline.url, log);

  const reads = await prepareReads(ctx);
  const payScenario = pay(ctx);
  const scenarios = [plain(ctx), emptyDurableObjectCall(ctx), plainSized(reads), eventPage(ctx), seatMap(reads), reserve(ctx), payScenario, join(ctx), poll(ctx)];
  const loadBeforeTiming = os.loadavg().map((x) => round(x));
  const runs: Record<string, ScenarioRun> = {};
  let outboxAfterPay: OutboxLag | undefined;
  for (const s of scenarios) {
    await keepTokensFresh(ctx);
    runs[s.name] = await runScenario(s, config, log, meter);
    noReloads();
    if (s === payScenario) {
      // The backlog the reserve and pay scenarios left in the room, and how long Postgres took to catch up.
      const { pendingAtStart, waitedMs } = await waitForOutbox(ctx);
      outboxAfterPay = { backlog_after_load: pendingAtStart, drain_ms: Math.round(waitedMs) };
      log(`outbox: ${pendingAtStart} messages behind after reserve and pay, drained in ${outboxAfterPay.drain_ms} ms`);
    }
  }
  // Gate scans: their tickets are bought and bound now (untimed), after the other scenarios' load.
  await keepTokensFresh(ctx);
  const scans = scan(await prepareScans(ctx));
  await scans.before();
  runs[scans.name] = await runScenario(scans, config, log, meter);
  noReloads();
  log("ticket formats: verify time, manifest and delta sizes (Node, no server involved)");
  const tickets = await measureTicketFormats(ticketFormatSettings(process.env));
  log(`verify one code: p50 ${tickets.verify_ms.p50} ms, p99 ${tickets.verify_ms.p99} ms; manifest ${tickets.manifest_bytes.bytes} B; delta ${tickets.delta_bytes.bytes} B`);
  const at = (name: string): ScenarioRun => {
    const r = runs[name];
    if (!r) throw new Error(`scenario ${name} did not run`);
    return r;
  };
  const { consistency, outbox, postgresVersion } = await checkConsistency(ctx, stack.databases.postgres.url, at("reserve"), payScenario.outcome);
  noReloads();

  const ratios = Object.fromEntries(MEASURED.flatMap((n) => [
    [`${n}_vs_plain`, ratio(at(n).result, at("plain").result)], [`${n}_vs_do`, ratio(at(n).result, at("do").result)],
  ]));
  ratios.seats_vs_plain_same_size = ratio(at("seats").result, at("plain_sized").result);
  const loadModels = models.enabled ? await runLoadModels(ctx, models, at("reserve").result.rps, meter, stack.databases.postgres.url, log) : undefined;
  noReloads();
  const setup = describeSetup(config, ctx.event.total_seats, postgresVersion, loadAtStart, loadBeforeTiming);
  const pipeline = await benchPipeline(stack.databases.postgres.url, config, log);
  const report = {
    finished_at: new Date().toISOString(), setup, scenarios: Object.values(runs).map((r) => ({ ...r.result, warmup: r.warmup, cpu: r.cpu })), ratios, consistency,
    outbox: outboxAfterPay ?? outbox, pipeline, tickets,
    ...(loadModels ? { load_models: loadModels } : {}),
  };
  const { markdown, files } = writeReport(report, { overrides: { ...config.overrides, ...models.overrides }, updateReadme: config.updateReadme });
  console.log(`\n${markdown}`);
  log(`wrote ${files.join(", ")}`);

  const failed = Object.values(runs).filter((r) => r.result.errors > 0 || r.warmup.errors > 0).map((r) => r.result.name);
  if (failed.length) console.error(`[bench] requests failed in: ${failed.join(", ")}`);
  if (!consistency.ok) console.error("[bench] INCONSISTENT: Postgres, the EventRoom and the 201s disagree");
  const modelErrors = loadModels ? [...loadModels.open, loadModels.spike].filter((o) => o.errors > 0).map((o) => o.name)
    .concat(loadModels.multi_event.filter((s) => s.errors > 0).map((s) => `${s.events} events`)) : [];
  if (modelErrors.length) console.error(`[bench] requests failed in the load models: ${modelErrors.join(", ")}`);
  if (loadModels && !loadModels.held.ok) console.error("[bench] INCONSISTENT: a load-model event's room or Postgres holds other than its 201s");
  return failed.length || !consistency.ok || modelErrors.length || (loadModels && !loadModels.held.ok) ? 1 : 0;
}

main()
  .then(async (code) => {
    await stopAllStacks();
    process.exit(code);
  })
  .catch(async (e: unknown) => {
    // After a signal, requests fail because the services are being stopped: not worth a stack trace.
    if (!interrupted()) {
      console.error(`[bench] failed: ${formatError(e)}`);
      console.error("[bench] wrangler logs: .tmp/bench-wrangler-app.log, .tmp/bench-wrangler-baseline.log");
    }
    await stopAllStacks();
    process.exit(interrupted() ? 130 : 1);
  });
