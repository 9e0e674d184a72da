/**
 * The bench's open-model scheduler (scripts/bench/open-load.ts, open-model.ts), on a fake clock:
 * arrival schedules, and latency measured from the scheduled send so a stall is charged to every
 * request that had to wait for it (coordinated omission corrected). No service needed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runOpen, type Clock } from "../../scripts/bench/open-load";
import { constantRate, correctedLatency, linearRamp, perSecond, serviceLatency, summarizeOpen, type OpenSample } from "../../scripts/bench/open-model";

const fakeClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** A server that answers in 10 ms, except request 10, which stalls for a whole second. */
const stallingServer = (i: number) => fakeClock.sleep(i === 10 ? 1000 : 10).then(() => null);

async function run(maxInFlight: number) {
  const offsets = constantRate(50, 2000); // one every 20 ms, 100 requests
  const running = runOpen(offsets, stallingServer, { maxInFlight, clock: fakeClock });
  await vi.runAllTimersAsync();
  return running;
}

describe("arrival schedules", () => {
  it("a constant rate sends one request every 1000/rate ms from 0, and no more than rate × seconds", () => {
    const s = constantRate(100, 1000);
    expect(s).toHaveLength(100);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(10);
    expect(s[99]).toBeCloseTo(990);
    expect(constantRate(3, 1000)).toHaveLength(3);
    expect(constantRate(250, 10_000)).toHaveLength(2500);
    expect(constantRate(0, 1000)).toEqual([]);
  });

  it("a spike ramps 0 → peak linearly: each second offers peak·(2i+1)/(2·ramp seconds), all inside the ramp", () => {
    const s = linearRamp(200, 10_000);
    expect(s).toHaveLength(1000); // the area under the ramp: 200/s × 10 s / 2
    expect(s.every((t, i) => t > 0 && t < 10_000 && (i === 0 || t > (s[i - 1] ?? 0)))).toBe(true);
    const rows = perSecond(s.map((t) => ({ scheduled: t, sent: t, done: t, ok: true })));
    expect(rows.map((r) => r.offered)).toEqual([10, 30, 50, 70, 90, 110, 130, 150, 170, 190]);
  });
});

describe("coordinated omission", () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }); });
  afterEach(() => { vi.useRealTimers(); });

  it("with one request in flight, everything queued behind a stall is charged its wait from the schedule", async () => {
    const r = await run(1);
    expect(r.samples).toHaveLength(100);
    expect(r.peakInFlight).toBe(1);
    const s11 = r.samples[11];
    if (!s11) throw new Error("no sample 11");
    // Scheduled at 220 ms, sent when the stall ended at 1200 ms, answered 10 ms later.
    expect(s11).toEqual({ scheduled: 220, sent: 1200, done: 1210, ok: true });
    expect(correctedLatency(s11)).toBe(990);
    expect(serviceLatency(s11)).toBe(10);
    const sum = summarizeOpen(r.samples, 50);
    // What a closed loop reports: one slow request among fast ones.
    expect(sum.service_latency_ms).toMatchObject({ p50: 10, p99: 10, max: 1000 });
    // What users felt: requests j = 11…99 waited 1100 − 10·j ms; sorted, the 50th is 500 and the 99th 990.
    expect(sum.latency_ms).toMatchObject({ p50: 500, p99: 990, max: 1000 });
    expect(sum.send_lag_ms.max).toBe(980);
  });

  it("sends on schedule while earlier requests are unanswered: a stall delays only itself", async () => {
    const r = await run(1000);
    const s11 = r.samples[11];
    expect(s11).toEqual({ scheduled: 220, sent: 220, done: 230, ok: true });
    expect(r.peakInFlight).toBe(2);
    const sum = summarizeOpen(r.samples, 50);
    expect(sum.latency_ms).toMatchObject({ p50: 10, p99: 10, max: 1000 });
    expect(sum.send_lag_ms.max).toBe(0);
    expect(sum.requests).toBe(100);
    expect(sum.errors).toBe(0);
    // 100 answers, the last at 1990 ms.
    expect(sum.achieved_rps).toBeCloseTo(100 / 1.99, 1);
  });

  it("per-second rows count what was offered and answered in each second, and failures apart", () => {
    const samples: OpenSample[] = [
      { scheduled: 100, sent: 100, done: 300, ok: true },
      { scheduled: 900, sent: 900, done: 1500, ok: true },
      { scheduled: 950, sent: 950, done: 960, ok: false },
      { scheduled: 1200, sent: 1250, done: 2100, ok: true },
    ];
    expect(perSecond(samples)).toEqual([
      { second: 0, offered: 3, answered: 2, errors: 1, p50: 200, p95: 600, p99: 600 },
      { second: 1, offered: 1, answered: 1, errors: 0, p50: 900, p95: 900, p99: 900 },
      { second: 2, offered: 0, answered: 1, errors: 0, p50: 0, p95: 0, p99: 0 },
    ]);
  });
});
