/**
 * The load models after the closed scenarios: open-model runs of plain, do and reserve at one
 * offered rate, a spike (reserve ramping from 0 to a peak), and reserve on 1, 2, 4, 8 rooms at
 * once; each on events of its own, checked afterwards (every 201 a seat held in the room and in
 * Postgres). Rates default to shares of this run's closed reserve throughput (models-config.ts).
 */
import { round } from "../lib/bench-stats";
import type { CpuMeter } from "./cpu";
import { OPEN_SHARE, SPIKE_FACTOR, type ModelsConfig } from "./models-config";
import { saleEvents, type HeldCheck } from "./sale-events";
import { multiEvent, type MultiEventStep } from "./scenarios/multi-event";
import { openRuns, spike, type OpenRunResult, type SpikeResult } from "./scenarios/open";
import { keepTokensFresh, type BenchContext } from "./setup";

export interface LoadModelsResult {
  /** What ran at once in each model, for the report. */
  ran_at_once: { open: string; spike: string; multi_event: string };
  open: OpenRunResult[];
  spike: SpikeResult;
  multi_event: MultiEventStep[];
  held: HeldCheck;
}

export async function runLoadModels(ctx: BenchContext, m: ModelsConfig, closedReserveRps: number, meter: CpuMeter, databaseUrl: string, log: (msg: string) => void): Promise<LoadModelsResult> {
  const rate = m.openRate || Math.max(1, Math.round(OPEN_SHARE * closedReserveRps));
  const peak = m.spikePeak || Math.max(1, Math.round(SPIKE_FACTOR * closedReserveRps));
  const events = saleEvents(ctx);
  await keepTokensFresh(ctx);
  const open = await openRuns(ctx, m, rate, events, meter, log);
  await keepTokensFresh(ctx);
  const spiked = await spike(ctx, m, peak, events, meter, log);
  const multi = await multiEvent(ctx, m, events, meter, log);
  log("load models: waiting for their rooms' outboxes, then checking held seats");
  const held = await events.check(databaseUrl);
  log(`load models: held seats ${held.ok ? "OK" : "FAILED"} over ${held.events.length} events`);
  const how = m.openRate ? `${rate} req/s (BENCH_OPEN_RATE)` : `${rate} req/s (${OPEN_SHARE * 100} % of the closed reserve's ${round(closedReserveRps, 1)} req/s)`;
  return {
    ran_at_once: {
      open: `Open model: plain, do and reserve one after another, each offered ${how} for ${m.openSeconds} s on a fixed schedule ` +
        `(requests sent whether or not earlier ones answered, at most ${m.maxInFlight} in flight); latency counts from the scheduled send.`,
      spike: `Spike: reserve alone, arrivals ramping linearly from 0 to ${peak} req/s over ${m.spikeSeconds} s` +
        `${m.spikePeak ? "" : ` (${SPIKE_FACTOR} × the closed reserve throughput)`}, then none; rows by the second in which requests were scheduled.`,
      multi_event: `Multi-event: reserve on ${m.multiEvents.join(", ")} events at once (one room each), ${ctx.config.concurrency} requests in flight per room, ` +
        `${m.multiRequests} reserves per room per step; steps one after another, each on fresh seats with the outboxes drained first.`,
    },
    open, spike: spiked, multi_event: multi, held,
  };
}
