import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  admissionForecast, admissionsDue, expectedAdmissionAt, nextGridLine, projectAdmissions, secondsUntil, TICK_LAG_MS, type AdmissionForecast,
} from "../../src/domain/waiting-room";

const MIN = 60_000;

describe("projected admissions (pure)", () => {
  it("paces places at the set rate while the store has room, each a tick lag late at most", () => {
    const times = projectAdmissions({ at: 0, credit: 0, admitPerMinute: 60, maxActive: 1000, sessionMs: 10 * MIN, activeEnds: [], firstPosition: 1, lastPosition: 5 });
    expect(times).toEqual([1000, 2000, 3000, 4000, 5000].map((t) => t + TICK_LAG_MS));
    // Credit left in the bucket is spent at once.
    const carried = projectAdmissions({ at: 0, credit: 2.5, admitPerMinute: 60, maxActive: 1000, sessionMs: 10 * MIN, activeEnds: [], firstPosition: 7, lastPosition: 10 });
    expect(carried).toEqual([0, 0, 500, 1500].map((t) => t + TICK_LAG_MS));
  });

  it("waits for the sessions inside when the store is full, however fast the rate", () => {
    // One slot, taken until 60 s: the next place goes in when it frees (a tick lag after the end),
    // the one after when that new session ends.
    const times = projectAdmissions({ at: 0, credit: 0, admitPerMinute: 60_000, maxActive: 1, sessionMs: MIN, activeEnds: [60_000], firstPosition: 2, lastPosition: 3 });
    const second = 60_000 + 2 * TICK_LAG_MS;
    expect(times).toEqual([second, second + MIN + 2 * TICK_LAG_MS]);
  });

  it("lets in no more than the bucket's cap at once when many slots free together", () => {
    // 60/min: the cap is max(1, 60/30) + 1 = 3 places of credit; ten slots free at 30 s.
    const ends = Array.from({ length: 10 }, () => 30_000);
    const times = projectAdmissions({ at: 0, credit: 0, admitPerMinute: 60, maxActive: 10, sessionMs: MIN, activeEnds: ends, firstPosition: 11, lastPosition: 16 });
    const free = 30_000 + TICK_LAG_MS;
    expect(times).toEqual([free, free, free, free + 1000, free + 2000, free + 3000].map((t) => t + TICK_LAG_MS));
  });

  it("after a quiet spell, projects from now with no more credit than the bucket's cap", () => {
    // Last tick an hour ago; ten people join now at 60/min: three go in at once (the cap), then one a second.
    const hour = 3600_000;
    const times = projectAdmissions({ at: 0, from: hour, credit: 0.5, admitPerMinute: 60, maxActive: 100, sessionMs: MIN, activeEnds: [], firstPosition: 1, lastPosition: 10 });
    expect(times).toEqual([0, 0, 0, 1000, 2000, 3000, 4000, 5000, 6000, 7000].map((t) => hour + t + TICK_LAG_MS));
    // Shortly after a tick nothing is capped: the same as projecting from the tick itself.
    const fromTick = projectAdmissions({ at: 0, credit: 0.5, admitPerMinute: 60, maxActive: 100, sessionMs: MIN, activeEnds: [], firstPosition: 1, lastPosition: 5 });
    const later = projectAdmissions({ at: 0, from: 300, credit: 0.5, admitPerMinute: 60, maxActive: 100, sessionMs: MIN, activeEnds: [], firstPosition: 1, lastPosition: 5 });
    later.forEach((t, i) => expect(t).toBeCloseTo(fromTick[i]!, 6));
  });

  it("draws grid lines one second apart near, coarser far, and keeps every line when drawn again later", () => {
    const drawnAt = 1_700_000_000_250;
    const lines: number[] = [];
    for (let l = nextGridLine(drawnAt, drawnAt); l < drawnAt + 3600_000; l = nextGridLine(l, drawnAt)) lines.push(l);
    expect(lines[0]).toBe(1_700_000_001_000);
    expect(lines[1]! - lines[0]!).toBe(1000);
    for (const l of lines) {
      expect(l % 1000).toBe(0);
      const next = nextGridLine(l, drawnAt);
      expect(next - l).toBeLessThanOrEqual(Math.max(1000, (next - drawnAt) / 16));
    }
    expect(lines.length).toBeLessThan(250);
    // Drawn again later, the grid has every old line still ahead (it only gets finer).
    for (const later of [drawnAt + 777, drawnAt + 45_000, drawnAt + 1_000_000]) {
      const again = new Set<number>();
      for (let l = nextGridLine(later, later); l < drawnAt + 3600_000; l = nextGridLine(l, later)) again.add(l);
      for (const l of lines.filter((x) => x > later)) expect(again.has(l)).toBe(true);
    }
  });

  it("compresses the projection into a forecast no earlier than the projection and within a sixteenth of the wait", () => {
    const now = 1_700_000_000_000;
    const model = { admitPerMinute: 90, maxActive: 20, sessionMs: 2 * MIN };
    const ends = Array.from({ length: 20 }, (_, i) => now + 10_000 + i * 3000);
    const times = projectAdmissions({ ...model, at: now, credit: 0.3, activeEnds: ends, firstPosition: 41, lastPosition: 400 });
    const f = admissionForecast(times, 40, now, model);
    expect(f.places.length).toBeLessThan(200);
    times.forEach((t, k) => {
      const at = expectedAdmissionAt(f, 41 + k);
      expect(at).toBeGreaterThanOrEqual(t);
      expect(at - t).toBeLessThanOrEqual(Math.max(1000, (at - now) / 16));
    });
    expect(expectedAdmissionAt(f, 40)).toBeLessThanOrEqual(now);
    // Past the projection: a slow steady pace, later than the last projected place.
    expect(expectedAdmissionAt(f, 500)).toBeGreaterThan(expectedAdmissionAt(f, 400));
    expect(secondsUntil(now + 1500, now)).toBe(2);
    expect(secondsUntil(now - 1500, now)).toBe(0);
  });
});

/**
 * A model of the room's clock: the alarm ticks every `period` ms (jittered, never early), lapses
 * sessions that ended, and admits by `admissionsDue`; shoppers may leave early (they booked). At
 * every tick the forecast is made from the room's state, as the room makes it.
 */
function runSale(o: { rate: number; maxActive: number; sessionMs: number; people: number; periods: (k: number) => number; leavesAfter: (pos: number) => number | null }) {
  const t0 = 1_800_000_000_000;
  const model = { admitPerMinute: o.rate, maxActive: o.maxActive, sessionMs: o.sessionMs };
  const inside = new Map<number, number>(); // position → session end (or early leave)
  const admittedAt = new Map<number, number>();
  const forecasts: { at: number; through: number; f: AdmissionForecast }[] = [];
  let through = 0;
  let carry = 0;
  let last = t0;
  let now = t0;
  for (let k = 0; through < o.people; k++) {
    if (k > 0) now += o.periods(k);
    for (const [pos, end] of inside) if (end <= now) inside.delete(pos);
    const due = admissionsDue({ admitPerMinute: o.rate, elapsedMs: now - last, carry, active: inside.size, maxActive: o.maxActive, waiting: o.people - through });
    for (let p = through + 1; p <= through + due.admit; p++) {
      admittedAt.set(p, now);
      const leave = o.leavesAfter(p);
      inside.set(p, now + Math.min(o.sessionMs, leave ?? Infinity));
    }
    through += due.admit;
    carry = due.carry;
    last = now;
    // The room projects from the sessions' real ends: an early leave is not known in advance.
    const ends = [...inside.keys()].map((p) => admittedAt.get(p)! + o.sessionMs);
    const times = projectAdmissions({ ...model, at: now, credit: carry, activeEnds: ends, firstPosition: through + 1, lastPosition: o.people });
    forecasts.push({ at: now, through, f: admissionForecast(times, through, now, model) });
    if (k > 200_000) throw new Error("the sale did not end");
  }
  return { admittedAt, forecasts };
}

describe("the forecast against a simulated sale (pure model of the room's ticks)", () => {
  it("is never earlier than the actual admission and never moves later, with jittery ticks and early leaves", () => {
    fc.assert(fc.property(
      fc.record({
        rate: fc.integer({ min: 4, max: 600 }), maxActive: fc.integer({ min: 1, max: 12 }), sessionMinutes: fc.integer({ min: 1, max: 2 }),
        people: fc.integer({ min: 1, max: 30 }), jitterSeed: fc.integer(), leaveShare: fc.constantFrom(0, 0.3),
      }),
      (p) => {
        let seed = p.jitterSeed >>> 0;
        const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
        const leaves = new Map<number, number | null>();
        const { admittedAt, forecasts } = runSale({
          rate: p.rate, maxActive: p.maxActive, sessionMs: p.sessionMinutes * MIN, people: p.people,
          periods: () => 1000 + Math.floor(rand() * 200),
          leavesAfter: (pos) => {
            if (!leaves.has(pos)) leaves.set(pos, rand() < p.leaveShare ? Math.floor(rand() * p.sessionMinutes * MIN) : null);
            return leaves.get(pos)!;
          },
        });
        for (let pos = 1; pos <= p.people; pos++) {
          const actual = admittedAt.get(pos)!;
          let previous = Infinity;
          for (const { at, through, f } of forecasts) {
            if (through >= pos) break;
            const expected = expectedAdmissionAt(f, pos);
            expect(expected, `place ${pos} at ${at}`).toBeLessThanOrEqual(previous);
            expect(actual, `place ${pos} forecast at ${at}`).toBeLessThanOrEqual(expected);
            previous = expected;
          }
        }
      },
    ), { numRuns: 40 });
  }, 120_000);
});
