/**
 * The open-model load generator: sends each operation at its scheduled time whether or not the
 * earlier ones answered (open-model.ts has the schedules and the arithmetic). The only brake is
 * `maxInFlight`, which bounds sockets and memory when the server falls far behind; a request
 * held there still counts its wait, since latency is measured from the schedule.
 */
import type { Op } from "./load";
import type { OpenSample } from "./open-model";

/** Time for the scheduler; tests pass a fake one. */
export interface Clock { now(): number; sleep(ms: number): Promise<void> }
export const realClock: Clock = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export interface OpenRun {
  samples: OpenSample[];
  /** Error descriptions and how often each occurred. */
  errors: Map<string, number>;
  /** The most operations that were in flight at once. */
  peakInFlight: number;
}

/** Runs `op(indexOffset + k)` at `offsets[k]` ms after the start, in schedule order (offsets ascending). */
export async function runOpen(offsets: readonly number[], op: Op, opts: { maxInFlight: number; indexOffset?: number; clock?: Clock }): Promise<OpenRun> {
  const clock = opts.clock ?? realClock;
  const base = opts.indexOffset ?? 0;
  const samples: OpenSample[] = [];
  const errors = new Map<string, number>();
  const freed: (() => void)[] = [];
  const pending: Promise<void>[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const t0 = clock.now();
  for (const [k, scheduled] of offsets.entries()) {
    const wait = t0 + scheduled - clock.now();
    if (wait > 0) await clock.sleep(wait);
    while (inFlight >= opts.maxInFlight) await new Promise<void>((r) => freed.push(r));
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    const sent = clock.now() - t0;
    pending.push(op(base + k).catch((e: unknown) => `threw: ${String(e)}`).then((error) => {
      samples.push({ scheduled, sent, done: clock.now() - t0, ok: error === null });
      if (error !== null) errors.set(error, (errors.get(error) ?? 0) + 1);
      inFlight--;
      freed.shift()?.();
    }));
  }
  await Promise.all(pending);
  samples.sort((a, b) => a.scheduled - b.scheduled);
  return { samples, errors, peakInFlight };
}
