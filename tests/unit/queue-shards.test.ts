import { describe, expect, it } from "vitest";
import { estimatedPosition, mergeAdmissions, shardOf, type LineHead, type ShardLine } from "../../src/domain/queue-shards";
import { shuffle } from "../../src/domain/waiting-room";

/** A seeded generator (mulberry32), so a statistical test gives the same verdict on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const presaleLine = (users: readonly string[]): ShardLine => ({
  waiting: users.length, joined: users.length, presaleLeft: users.length,
  heads: users.map((userId, i) => ({ userId, seq: i + 1, joinedAt: 0, presale: true })),
});

describe("which shard holds an account", () => {
  it("is stable, in range, and spreads accounts evenly", () => {
    const random = seeded(7);
    const hex = () => Math.floor(random() * 16).toString(16);
    const ids = Array.from({ length: 40_000 }, () => `${Array.from({ length: 8 }, hex).join("")}-${Array.from({ length: 4 }, hex).join("")}-4${Array.from({ length: 3 }, hex).join("")}-a${Array.from({ length: 3 }, hex).join("")}-${Array.from({ length: 12 }, hex).join("")}`);
    const counts = new Array<number>(8).fill(0);
    let unstable = 0;
    for (const id of ids) {
      const k = shardOf(id, 8);
      if (k !== shardOf(id, 8) || k < 0 || k > 7) unstable++;
      counts[k]!++;
    }
    expect(unstable).toBe(0);
    // 5,000 expected each; a binomial's standard deviation here is about 66.
    for (const n of counts) expect(Math.abs(n - 5000)).toBeLessThan(350);
    expect(shardOf(ids[0]!, 1)).toBe(0);
  }, 60_000);
});

describe("merging the shards' lines", () => {
  it("gives every order of the pre-sale arrivals the same chance (per-shard shuffle, then a proportional draw)", () => {
    // Five pre-sale arrivals on three shards (2, 2 and 1 of them): 120 possible orders.
    const shards = [["a", "b"], ["c", "d"], ["e"]];
    const random = seeded(20261127);
    const seen = new Map<string, number>();
    const TRIALS = 120_000;
    for (let t = 0; t < TRIALS; t++) {
      const lines = shards.map((users) => presaleLine(shuffle(users, random)));
      const order = mergeAdmissions(lines, 5, random).map((p) => p.head.userId).join("");
      seen.set(order, (seen.get(order) ?? 0) + 1);
    }
    expect(seen.size).toBe(120);
    // Chi-square against uniform, 119 degrees of freedom: 173 is the 0.1 % critical value.
    const expected = TRIALS / 120;
    const chi2 = [...seen.values()].reduce((a, n) => a + (n - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(173);
  }, 120_000);

  it("would not be uniform with a plain round robin across shards (the test can fail)", () => {
    const shards = [["a", "b"], ["c", "d"], ["e"]];
    const random = seeded(1);
    let eLast = 0;
    for (let t = 0; t < 10_000; t++) {
      const lines = shards.map((users) => shuffle(users, random));
      const roundRobin = [lines[0]![0], lines[1]![0], lines[2]![0], lines[0]![1], lines[1]![1]];
      if (roundRobin[4] === "e") eLast++;
    }
    // "e" is never last in a round robin; in a uniform order it is last a fifth of the time.
    expect(eLast).toBe(0);
    let eLastMerged = 0;
    for (let t = 0; t < 10_000; t++) {
      const order = mergeAdmissions(shards.map((u) => presaleLine(shuffle(u, random))), 5, random);
      if (order[4]!.head.userId === "e") eLastMerged++;
    }
    expect(Math.abs(eLastMerged / 10_000 - 0.2)).toBeLessThan(0.02);
  }, 60_000);

  it("puts every pre-sale arrival before anyone who joined after the opening", () => {
    const head = (userId: string, seq: number, joinedAt: number, presale: boolean): LineHead => ({ userId, seq, joinedAt, presale });
    const lines: ShardLine[] = [
      { waiting: 2, joined: 2, presaleLeft: 0, heads: [head("late0", 1, 5, false), head("late1", 2, 9, false)] },
      { waiting: 3, joined: 3, presaleLeft: 2, heads: [head("p1", 1, 0, true), head("p2", 2, 0, true), head("late2", 3, 7, false)] },
    ];
    expect(mergeAdmissions(lines, 5, seeded(3)).map((p) => p.head.userId)).toEqual(["p1", "p2", "late0", "late2", "late1"]);
  });

  it("admits later arrivals in the order they joined across shards, and stops where a shard's pulled front runs out", () => {
    const head = (userId: string, seq: number, joinedAt: number): LineHead => ({ userId, seq, joinedAt, presale: false });
    const lines: ShardLine[] = [
      { waiting: 5, joined: 5, presaleLeft: 0, heads: [head("a1", 1, 10), head("a2", 2, 30)] },
      { waiting: 2, joined: 2, presaleLeft: 0, heads: [head("b1", 1, 20), head("b2", 2, 40)] },
    ];
    // a3 (not pulled) may have joined before b2: the merge stops after a2 rather than guess.
    expect(mergeAdmissions(lines, 10, seeded(4)).map((p) => p.head.userId)).toEqual(["a1", "b1", "a2"]);
    expect(mergeAdmissions(lines, 2, seeded(4)).map((p) => p.head.userId)).toEqual(["a1", "b1"]);
  });
});

describe("the position shown", () => {
  it("counts the places ahead in the shard, scaled by the shard's share of the line", () => {
    const marks = [{ through: 10, waiting: 100 }, { through: 12, waiting: 300 }];
    expect(estimatedPosition(22, marks, 0, 11)).toBe(23);
    expect(estimatedPosition(22, marks, 0, 21)).toBe(23 + 40);
    expect(estimatedPosition(22, marks, 1, 13 + 30)).toBe(23 + 40);
    // An empty line: the others are assumed to fill up alike.
    expect(estimatedPosition(0, [{ through: 0, waiting: 0 }, { through: 0, waiting: 0 }], 1, 3)).toBe(1 + 4);
  });
});
