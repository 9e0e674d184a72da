import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKET_MS, bucketOf, historyOf, MAX_BUCKETS, noShowRate, ratePerSecond, recordSample, waitPercentiles, WINDOW_MS, type LiveSample } from "../../src/domain/live-history";
import { admissionForecast, projectAdmissions } from "../../src/domain/waiting-room";
import { gateSeries } from "../../web/src/live/gate-series";
import { mergeSample, recentRates, seriesOf } from "../../web/src/live/series";

// The dashboard's hour (src/domain/live-history.ts) and what the pages draw from it
// (web/src/live/series.ts, gate-series.ts). Pure functions: time is an input.

const sample = (at: number, over: Partial<LiveSample> = {}): LiveSample => ({
  t: bucketOf(at), at, joined: 0, waiting: 0, admitted: 0, active: 0, held: 0, sold: 0, capacity: 100, revenue: 0,
  admit_per_minute: 60, max_active: 10, wait_p50: null, wait_p90: null, no_show_rate: null, ...over,
});

describe("the hour's ring", () => {
  it("keeps one sample per bucket (the latest), never more than an hour's buckets, in time order", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 3 * 3600_000 }), { minLength: 1, maxLength: 400 }), (offsets) => {
      const ring = new Map<number, LiveSample>();
      let now = 1_800_000_000_000;
      for (const d of offsets.sort((a, b) => a - b)) {
        now = 1_800_000_000_000 + d;
        recordSample(ring, sample(now, { joined: d }));
      }
      const h = historyOf(ring);
      expect(h.length).toBeLessThanOrEqual(MAX_BUCKETS);
      expect(h.every((s) => s.t % BUCKET_MS === 0 && s.t >= bucketOf(now) - WINDOW_MS)).toBe(true);
      expect(h.map((s) => s.t)).toEqual([...h.map((s) => s.t)].sort((a, b) => a - b));
      expect(h.at(-1)?.at).toBe(now);
    }));
  });

  it("says which buckets it dropped, so the stored copy forgets them too", () => {
    const ring = new Map<number, LiveSample>();
    recordSample(ring, sample(0));
    recordSample(ring, sample(BUCKET_MS));
    expect(recordSample(ring, sample(WINDOW_MS + BUCKET_MS))).toEqual([0]);
  });

  it("rates are differences of cumulative counters over the time between samples, never negative", () => {
    const a = sample(10_000, { joined: 10, sold: 5 });
    const b = sample(20_000, { joined: 60, sold: 3 });
    expect(ratePerSecond(a, b, "joined")).toBe(5);
    expect(ratePerSecond(a, b, "sold")).toBe(0);
    expect(ratePerSecond(undefined, b, "joined")).toBe(0);
    expect(ratePerSecond(b, b, "joined")).toBe(0);
  });

  it("no-show rate: lapsed turns of every turn that ended; none before any ended", () => {
    expect(noShowRate(0, 0)).toBeNull();
    expect(noShowRate(1, 3)).toBe(0.25);
    expect(noShowRate(0, 16)).toBe(0);
  });

  it("expected waits: the 90th percentile of the line never comes before the median, and grow as the rate falls", () => {
    const now = 1_800_000_000_000;
    const waitsAt = (rate: number, waiting: number) => {
      const model = { admitPerMinute: rate, maxActive: 1000, sessionMs: 600_000 };
      const times = projectAdmissions({ ...model, at: now, from: now, credit: 0, activeEnds: [], firstPosition: 1, lastPosition: waiting });
      return waitPercentiles(admissionForecast(times, 0, now, model), 0, waiting, now);
    };
    expect(waitPercentiles(null, 0, 10, now)).toEqual({ p50: null, p90: null });
    expect(waitsAt(60, 0)).toEqual({ p50: null, p90: null });
    const fast = waitsAt(600, 100);
    const slow = waitsAt(60, 100);
    expect(fast.p90!).toBeGreaterThanOrEqual(fast.p50!);
    expect(slow.p50!).toBeGreaterThan(fast.p50!);
    // At one a second, the 90th of 100 waits about 90 s.
    expect(Math.abs(slow.p90! - 90)).toBeLessThanOrEqual(3);
  });
});

describe("what the pages draw", () => {
  it("the page's ring takes the newest sample of a bucket and the charts' rates come from the counters", () => {
    const ring = new Map();
    mergeSample(ring, sample(0, { joined: 0, admitted: 0, sold: 0, admit_per_minute: 600 }));
    mergeSample(ring, sample(5000, { joined: 50, admitted: 10, sold: 2, admit_per_minute: 600 }));
    mergeSample(ring, { ...sample(5000, { joined: 1 }), at: 4000 }); // an older copy of the same bucket loses to the newer one
    mergeSample(ring, sample(10_000, { joined: 100, admitted: 20, sold: 4, admit_per_minute: 30 }));
    const s = seriesOf(ring);
    expect(s.x).toEqual([0, 5, 10]);
    expect(s.inflowPerSecond).toEqual([0, 10, 10]);
    expect(s.outflowPerMinute).toEqual([0, 120, 120]);
    expect(s.cap).toEqual([600, 600, 30]);
    expect(s.soldPerMinute).toEqual([0, 24, 24]);
    expect(recentRates(ring)).toEqual({ inflowPerSecond: 10, outflowPerMinute: 120, soldPerMinute: 24 });
  });

  it("per-gate minutes: every minute of the hour, zeros where a gate had none", () => {
    const now = Date.parse("2027-03-01T19:30:40Z");
    const g = gateSeries([{ gate_id: "north", entries: 7, per_minute: [{ minute: "2027-03-01T19:30:00.000Z", entries: 4 }, { minute: "2027-03-01T19:28:00.000Z", entries: 3 }] }], now);
    expect(g.x).toHaveLength(60);
    expect(g.x.at(-1)).toBe(Date.parse("2027-03-01T19:30:00Z") / 1000);
    expect(g.lines[0]!.values.slice(-3)).toEqual([3, 0, 4]);
    expect(g.lines[0]!.values.reduce((a, b) => a + b, 0)).toBe(7);
  });
});
