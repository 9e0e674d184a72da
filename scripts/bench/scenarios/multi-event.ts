/**
 * Reserve on 1, 2, 4, 8 … events at once (one EventRoom each), each with the closed scenarios'
 * requests in flight: does throughput grow with the number of rooms, and where does the machine
 * stop it? Each step sells fresh seats of every room and starts with empty outboxes.
 */
import { performance } from "node:perf_hooks";
import { round, summarizeLatencies, type LatencySummary } from "../../lib/bench-stats";
import type { CpuMeter, CpuUsage } from "../cpu";
import { runLoad } from "../load";
import { ROOM_WARMUP, type ModelsConfig } from "../models-config";
import { waitForOutbox } from "../outbox";
import type { SaleEvents } from "../sale-events";
import { keepTokensFresh, type BenchContext, type CreatedEvent } from "../setup";

export interface MultiEventStep {
  events: number;
  in_flight: number;
  requests: number;
  errors: number;
  duration_s: number;
  /** All rooms together. */
  rps: number;
  /** rps ÷ the one-event step's rps. */
  scaling: number;
  /** The slowest and fastest room's own throughput in this step. */
  room_rps: { min: number; max: number };
  latency_ms: LatencySummary;
  cpu: CpuUsage;
}

export async function multiEvent(ctx: BenchContext, m: ModelsConfig, events: SaleEvents, meter: CpuMeter, log: (msg: string) => void): Promise<MultiEventStep[]> {
  const perStep = m.multiRequests + ROOM_WARMUP;
  const most = Math.max(...m.multiEvents);
  const rooms: CreatedEvent[] = [];
  for (let i = 0; i < most; i++) rooms.push(await events.create(`Bench multi ${i + 1}`, m.multiEvents.length * perStep));
  const steps: MultiEventStep[] = [];
  const c = ctx.config.concurrency;
  for (const [s, n] of m.multiEvents.entries()) {
    await keepTokensFresh(ctx);
    const used = rooms.slice(0, n);
    const ops = used.map((e) => events.reserveOp(e.event_id, s * perStep));
    await Promise.all(ops.map((op) => runLoad(ROOM_WARMUP, 0, 4, op)));
    for (const e of used) await waitForOutbox(ctx, e.event_id);
    log(`multi-event: ${n} rooms at once, ${m.multiRequests} reserves each, ${c} in flight per room`);
    const mark = meter.mark();
    const t0 = performance.now();
    const outcomes = await Promise.all(ops.map((op) => runLoad(m.multiRequests, ROOM_WARMUP, c, op)));
    const wall = (performance.now() - t0) / 1000;
    const requests = n * m.multiRequests;
    const cpu = meter.since(mark, requests);
    const roomRps = outcomes.map((o) => m.multiRequests / (o.durationMs / 1000));
    const rps = round(requests / wall, 1);
    const step: MultiEventStep = {
      events: n, in_flight: n * c, requests, errors: requests - outcomes.reduce((t, o) => t + o.ok, 0), duration_s: round(wall, 3), rps,
      scaling: round(steps[0] ? rps / steps[0].rps : 1, 2), room_rps: { min: round(Math.min(...roomRps), 1), max: round(Math.max(...roomRps), 1) },
      latency_ms: summarizeLatencies(outcomes.flatMap((o) => o.latencies)), cpu,
    };
    log(`multi-event ${n}: ${rps} req/s (×${step.scaling}), p50 ${step.latency_ms.p50} ms, p99 ${step.latency_ms.p99} ms, errors ${step.errors}; ` +
      `app workerd ${cpu.groups.app_workerd?.core_pct ?? "?"}% of a core, machine ${cpu.machine_core_pct}%`);
    for (const o of outcomes) for (const [e, k] of o.errors) log(`  ${k}× ${e}`);
    steps.push(step);
  }
  return steps;
}
