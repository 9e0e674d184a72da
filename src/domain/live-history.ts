/**
 * The on-sale's last hour as the organizer's dashboard draws it: a ring of fixed buckets, each
 * holding the room's figures at its last sample. Counters (`joined`, `admitted`, `sold`,
 * `revenue`) are cumulative, so a rate is a difference between two samples over their time apart
 * and a bucket nobody sampled (a quiet spell) loses nothing. Gauges (`waiting`, `active`, `held`,
 * the caps, the waits) are as they were at the sample. Pure: time is an input.
 */
import { expectedAdmissionAt, type AdmissionForecast } from "./waiting-room";

export const BUCKET_MS = 5_000;
export const WINDOW_MS = 3600_000;
/** At most this many buckets are kept (the hour, plus the one being filled). */
export const MAX_BUCKETS = WINDOW_MS / BUCKET_MS + 1;

export interface LiveSample {
  /** The bucket's start, epoch ms (a multiple of BUCKET_MS). */
  t: number;
  /** When the figures were read, epoch ms (within the bucket). */
  at: number;
  joined: number;
  waiting: number;
  admitted: number;
  active: number;
  held: number;
  sold: number;
  capacity: number;
  revenue: number;
  admit_per_minute: number;
  max_active: number;
  /** Seconds until the middle and the 90th percentile of the line are admitted (null: no line to wait in). */
  wait_p50: number | null;
  wait_p90: number | null;
  /** Of the shoppers whose turn ended, the share who did not book (null before any turn ended). */
  no_show_rate: number | null;
}

export const bucketOf = (at: number): number => Math.floor(at / BUCKET_MS) * BUCKET_MS;

/**
 * Puts a sample in its bucket (replacing the bucket's earlier one) and drops buckets older than
 * the window. Returns the buckets dropped, so a store of them can forget them too.
 */
export function recordSample(ring: Map<number, LiveSample>, sample: LiveSample): number[] {
  ring.set(sample.t, sample);
  const oldest = sample.t - WINDOW_MS;
  const dropped: number[] = [];
  for (const t of ring.keys()) if (t < oldest) dropped.push(t);
  for (const t of dropped) ring.delete(t);
  return dropped;
}

/** The ring in time order. */
export const historyOf = (ring: ReadonlyMap<number, LiveSample>): LiveSample[] => [...ring.values()].sort((a, b) => a.t - b.t);

/**
 * Expected waits of the line now: how long until the place at the middle, and at nine tenths, of
 * those waiting is admitted, by the room's own forecast (the one fans are shown).
 */
export function waitPercentiles(forecast: AdmissionForecast | null, through: number, waiting: number, now: number): { p50: number | null; p90: number | null } {
  if (!forecast || waiting <= 0) return { p50: null, p90: null };
  const wait = (q: number) => Math.max(0, Math.ceil((expectedAdmissionAt(forecast, through + Math.max(1, Math.ceil(q * waiting))) - now) / 1000));
  return { p50: wait(0.5), p90: wait(0.9) };
}

/** Shoppers whose turn ended without a booking, as a share of every turn that ended. */
export const noShowRate = (lapsed: number, booked: number): number | null => (lapsed + booked > 0 ? lapsed / (lapsed + booked) : null);

/** Per-second rate of a counter between two samples (0 when they are the same instant). */
export function ratePerSecond(prev: LiveSample | undefined, next: LiveSample, key: "joined" | "admitted" | "sold" | "revenue"): number {
  if (!prev || next.at <= prev.at) return 0;
  return Math.max(0, next[key] - prev[key]) / ((next.at - prev.at) / 1000);
}
