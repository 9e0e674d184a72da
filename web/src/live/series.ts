/**
 * What the live dashboard draws, from the room's samples (src/contract/live.ts): per-second and
 * per-minute rates from the cumulative counters, the gauges as they were. Pure, so the charts and
 * the figures above them agree.
 */
import { ratePerSecond, WINDOW_MS } from "../../../src/domain/live-history";
import type { LiveSampleOut } from "../../../src/contract/live";

export interface LiveSeries {
  /** Seconds since the epoch (uPlot's time axis). */
  x: number[];
  inflowPerSecond: number[];
  outflowPerMinute: number[];
  cap: number[];
  waiting: number[];
  active: number[];
  maxActive: number[];
  held: number[];
  soldPerMinute: number[];
  revenue: number[];
  waitP50: (number | null)[];
  waitP90: (number | null)[];
}

/** Adds a sample to the ring kept by the page (same bucket: the newer wins) and forgets the ones past the hour. */
export function mergeSample(ring: Map<number, LiveSampleOut>, s: LiveSampleOut): void {
  const had = ring.get(s.t);
  if (!had || had.at <= s.at) ring.set(s.t, s);
  for (const t of ring.keys()) if (t < s.t - WINDOW_MS) ring.delete(t);
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function seriesOf(ring: ReadonlyMap<number, LiveSampleOut>): LiveSeries {
  const samples = [...ring.values()].sort((a, b) => a.t - b.t);
  const out: LiveSeries = { x: [], inflowPerSecond: [], outflowPerMinute: [], cap: [], waiting: [], active: [], maxActive: [], held: [], soldPerMinute: [], revenue: [], waitP50: [], waitP90: [] };
  samples.forEach((s, i) => {
    const prev = samples[i - 1];
    out.x.push(s.at / 1000);
    out.inflowPerSecond.push(round(ratePerSecond(prev, s, "joined"), 2));
    out.outflowPerMinute.push(round(ratePerSecond(prev, s, "admitted") * 60, 1));
    out.cap.push(s.admit_per_minute);
    out.waiting.push(s.waiting);
    out.active.push(s.active);
    out.maxActive.push(s.max_active);
    out.held.push(s.held);
    out.soldPerMinute.push(round(ratePerSecond(prev, s, "sold") * 60, 1));
    out.revenue.push(s.revenue);
    out.waitP50.push(s.wait_p50);
    out.waitP90.push(s.wait_p90);
  });
  return out;
}

/** The rates over the last `ms` (default 10 s) of samples: steadier than between the last two. */
export function recentRates(ring: ReadonlyMap<number, LiveSampleOut>, ms = 10_000): { inflowPerSecond: number; outflowPerMinute: number; soldPerMinute: number } {
  const samples = [...ring.values()].sort((a, b) => a.t - b.t);
  const last = samples.at(-1);
  if (!last) return { inflowPerSecond: 0, outflowPerMinute: 0, soldPerMinute: 0 };
  const first = samples.find((s) => s.at >= last.at - ms) ?? last;
  const from = first === last ? samples.at(-2) : first;
  return {
    inflowPerSecond: round(ratePerSecond(from, last, "joined"), 2),
    outflowPerMinute: round(ratePerSecond(from, last, "admitted") * 60, 1),
    soldPerMinute: round(ratePerSecond(from, last, "sold") * 60, 1),
  };
}

/** The newest sample, if any. */
export const latestSample = (ring: ReadonlyMap<number, LiveSampleOut>): LiveSampleOut | undefined =>
  [...ring.values()].reduce<LiveSampleOut | undefined>((a, s) => (!a || s.t > a.t ? s : a), undefined);
