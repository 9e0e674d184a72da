/**
 * Open-model runs (a fixed arrival rate; latency from the scheduled send, so coordinated omission
 * is corrected): the plain and empty-DO baselines and reserve, each at the same offered rate, one
 * after another; and the spike, reserve at a rate ramping from 0 to a peak.
 */
import { round } from "../../lib/bench-stats";
import type { CpuMeter, CpuUsage } from "../cpu";
import { runLoad, type Op } from "../load";
import { ROOM_WARMUP, seatsFor, type ModelsConfig } from "../models-config";
import { runOpen } from "../open-load";
import { constantRate, linearRamp, perSecond, summarizeOpen, type OpenSummary, type SecondRow } from "../open-model";
import { waitForOutbox } from "../outbox";
import type { SaleEvents } from "../sale-events";
import type { BenchContext } from "../setup";
import { emptyDurableObjectCall } from "./do";
import { plain } from "./plain";

export interface OpenRunResult extends OpenSummary {
  name: string;
  description: string;
  peak_in_flight: number;
  error_samples: { error: string; count: number }[];
  cpu: CpuUsage;
}

export interface SpikeResult extends OpenRunResult { peak_rps: number; ramp_s: number; per_second: SecondRow[] }

interface Timed { name: string; description: string; offsets: number[]; offered: number; op: Op; indexOffset: number }

async function timedOpen(t: Timed, m: ModelsConfig, meter: CpuMeter, log: (msg: string) => void): Promise<{ result: OpenRunResult; samples: Parameters<typeof perSecond>[0] }> {
  log(`open ${t.name}: ${t.offsets.length} requests on schedule (${t.description})`);
  const mark = meter.mark();
  const run = await runOpen(t.offsets, t.op, { maxInFlight: m.maxInFlight, indexOffset: t.indexOffset });
  const cpu = meter.since(mark, t.offsets.length);
  const summary = summarizeOpen(run.samples, t.offered);
  const l = summary.latency_ms;
  log(`open ${t.name}: offered ${summary.offered_rps} req/s, answered ${summary.achieved_rps} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms ` +
    `(without the correction p99 ${summary.service_latency_ms.p99} ms), errors ${summary.errors}, peak in flight ${run.peakInFlight}`);
  const error_samples = [...run.errors].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([error, count]) => ({ error, count }));
  return { result: { name: t.name, description: t.description, ...summary, peak_in_flight: run.peakInFlight, error_samples, cpu }, samples: run.samples };
}

/** A fresh room for `requests` reserves, woken by a few untimed ones and with an empty outbox. */
async function freshRoom(ctx: BenchContext, events: SaleEvents, title: string, requests: number): Promise<Op> {
  if (requests + ROOM_WARMUP > seatsFor(requests)) throw new Error(`${title}: ${requests} reserves need more seats than one event may have; lower the rate or the seconds`);
  const event = await events.create(title, seatsFor(requests));
  const op = events.reserveOp(event.event_id, 0);
  await runLoad(ROOM_WARMUP, 0, 4, op);
  await waitForOutbox(ctx, event.event_id);
  return op;
}

export async function openRuns(ctx: BenchContext, m: ModelsConfig, rate: number, events: SaleEvents, meter: CpuMeter, log: (msg: string) => void): Promise<OpenRunResult[]> {
  const offsets = constantRate(rate, m.openSeconds * 1000);
  const reserveOp = await freshRoom(ctx, events, `Bench open ${rate}/s`, offsets.length);
  const runs: Timed[] = [
    { name: "plain", description: plain(ctx).description, offsets, offered: rate, op: plain(ctx).op, indexOffset: 0 },
    { name: "do", description: emptyDurableObjectCall(ctx).description, offsets, offered: rate, op: emptyDurableObjectCall(ctx).op, indexOffset: 0 },
    { name: "reserve", description: "POST /api/bookings, one distinct seat per request, on a room of its own", offsets, offered: rate, op: reserveOp, indexOffset: ROOM_WARMUP },
  ];
  const out: OpenRunResult[] = [];
  for (const t of runs) out.push((await timedOpen(t, m, meter, log)).result);
  return out;
}

export async function spike(ctx: BenchContext, m: ModelsConfig, peak: number, events: SaleEvents, meter: CpuMeter, log: (msg: string) => void): Promise<SpikeResult> {
  const offsets = linearRamp(peak, m.spikeSeconds * 1000);
  const op = await freshRoom(ctx, events, `Bench spike ${peak}/s`, offsets.length);
  const { result, samples } = await timedOpen({
    name: "spike", description: `POST /api/bookings, arrivals ramping linearly from 0 to ${peak} req/s over ${m.spikeSeconds} s, on a room of its own`,
    offsets, offered: round(offsets.length / m.spikeSeconds, 1), op, indexOffset: ROOM_WARMUP,
  }, m, meter, log);
  return { ...result, peak_rps: peak, ramp_s: m.spikeSeconds, per_second: perSecond(samples) };
}
