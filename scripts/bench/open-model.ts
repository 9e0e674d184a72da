/**
 * The open model's arithmetic (pure: no clock, no I/O). A closed loop sends the next request only
 * when one answered, so a stalled server also stalls the load and the requests that would have
 * arrived meanwhile are never measured (coordinated omission). The open model fixes the arrival
 * times in advance (like wrk2 or autocannon -R) and measures each request from when it was
 * SCHEDULED, so time spent waiting to be sent counts as the user would feel it.
 */
import { round, summarizeLatencies, type LatencySummary } from "../lib/bench-stats";

/** Send offsets (ms from the start) of `rate` requests a second for `durationMs`: one every 1000/rate ms, the first at 0. */
export function constantRate(rate: number, durationMs: number): number[] {
  if (!(rate > 0) || !(durationMs > 0)) return [];
  const gap = 1000 / rate;
  // The small epsilon keeps 100/s over 1000 ms at 100 arrivals despite floating-point division.
  const n = Math.ceil(durationMs / gap - 1e-9);
  return Array.from({ length: n }, (_, k) => k * gap);
}

/**
 * A spike: the arrival rate grows linearly from 0 to `peakRate` a second over `rampMs`. The
 * expected arrivals by time t are peak·t²/(2·ramp), so the k-th arrival (counted from 1, taken at
 * the middle of its share) is at sqrt(2·ramp·(k − ½)/peak); every arrival falls inside the ramp.
 */
export function linearRamp(peakRate: number, rampMs: number): number[] {
  if (!(peakRate > 0) || !(rampMs > 0)) return [];
  const perMs = peakRate / 1000;
  const n = Math.floor((perMs * rampMs) / 2 + 1e-9);
  return Array.from({ length: n }, (_, i) => Math.sqrt((2 * rampMs * (i + 0.5)) / perMs));
}

/** One request of an open run, in ms from the run's start. */
export interface OpenSample {
  /** When the schedule said to send it. */
  scheduled: number;
  /** When it was actually sent (later than scheduled when the client was behind or at its in-flight cap). */
  sent: number;
  /** When its answer was read in full. */
  done: number;
  ok: boolean;
}

/** Latency as the user feels it: from the scheduled send, so waiting to be sent counts (coordinated omission corrected). */
export const correctedLatency = (s: OpenSample): number => s.done - s.scheduled;
/** What a closed-loop client would report: from the actual send only. */
export const serviceLatency = (s: OpenSample): number => s.done - s.sent;

export interface OpenSummary {
  offered_rps: number;
  /** Answers (ok or not) per second, from the start to the last answer. */
  achieved_rps: number;
  requests: number;
  errors: number;
  duration_s: number;
  /** From the scheduled send time: the numbers to read. */
  latency_ms: LatencySummary;
  /** From the actual send: what the same run looks like with coordinated omission left in. */
  service_latency_ms: LatencySummary;
  /** How late the client sent (its own timer lag, or waiting at the in-flight cap): large values mean the client was the limit. */
  send_lag_ms: { p99: number; max: number };
}

export function summarizeOpen(samples: readonly OpenSample[], offeredRps: number): OpenSummary {
  const good = samples.filter((s) => s.ok);
  const lastDone = samples.reduce((m, s) => Math.max(m, s.done), 0);
  const lag = summarizeLatencies(samples.map((s) => s.sent - s.scheduled));
  return {
    offered_rps: round(offeredRps, 1),
    achieved_rps: round(lastDone > 0 ? samples.length / (lastDone / 1000) : 0, 1),
    requests: samples.length,
    errors: samples.length - good.length,
    duration_s: round(lastDone / 1000, 3),
    latency_ms: summarizeLatencies(good.map(correctedLatency)),
    service_latency_ms: summarizeLatencies(good.map(serviceLatency)),
    send_lag_ms: { p99: lag.p99, max: lag.max },
  };
}

export interface SecondRow {
  /** The second of the run (0 = the first). */
  second: number;
  /** Requests scheduled in this second: the offered load. */
  offered: number;
  /** Answers read in this second (ok or not): the throughput. */
  answered: number;
  /** Of the requests scheduled in this second: how many failed, and their corrected latency percentiles. */
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Per-second rows over the run: offered and answered counts, and the corrected latency of the requests scheduled in each second. */
export function perSecond(samples: readonly OpenSample[]): SecondRow[] {
  const seconds = Math.max(0, ...samples.map((s) => Math.floor(s.scheduled / 1000)), ...samples.map((s) => Math.floor(s.done / 1000))) + 1;
  const rows = Array.from({ length: samples.length ? seconds : 0 }, (_, second) => ({ second, offered: 0, answered: 0, errors: 0, lat: [] as number[] }));
  for (const s of samples) {
    const at = rows[Math.floor(s.scheduled / 1000)];
    const answeredIn = rows[Math.floor(s.done / 1000)];
    if (!at || !answeredIn) continue;
    at.offered++;
    answeredIn.answered++;
    if (s.ok) at.lat.push(correctedLatency(s));
    else at.errors++;
  }
  return rows.map(({ lat, ...r }) => {
    const l = summarizeLatencies(lat);
    return { ...r, p50: l.p50, p95: l.p95, p99: l.p99 };
  });
}
