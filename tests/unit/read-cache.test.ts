import { describe, expect, it } from "vitest";
import { ReadCache, type CachedBody, type FillOutcome } from "../../src/edge-cache/read-cache";

/** The edge's per-isolate copies of public reads (src/edge-cache/read-cache.ts). */
const body = (text: string, filledAt: number, version: string | null = null): CachedBody => ({
  body: new TextEncoder().encode(text), etag: `"${text}"`, version, filledAt, meta: null,
});
const text = (e: CachedBody | null) => (e ? new TextDecoder().decode(e.body) : null);
const keep = () => undefined;

/** A fill the test finishes when it likes. */
function gate<T>() {
  let open!: (v: T) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { done, open, fail };
}

describe("ReadCache", () => {
  it("serves a copy for its TTL from when it was known current, then not", async () => {
    const cache = new ReadCache(1000, 1 << 20);
    await cache.fill("k", async () => ({ cache: body("a", 5000) }), keep);
    expect(text(cache.fresh("k", 5000))).toBe("a");
    expect(text(cache.fresh("k", 5999))).toBe("a");
    expect(cache.fresh("k", 6000)).toBeNull();
    expect(text(cache.last("k"))).toBe("a");
  });

  it("never serves a copy made before this isolate changed the key, but keeps it to revalidate", async () => {
    const cache = new ReadCache(1000, 1 << 20);
    await cache.fill("k", async () => ({ cache: body("a", 100, "v1") }), keep);
    cache.changed("k");
    expect(cache.fresh("k", 100)).toBeNull();
    let given: CachedBody | null = null;
    await cache.fill("k", async (last) => {
      given = last;
      return { cache: body("b", 101, "v2") };
    }, keep);
    expect(given && text(given)).toBe("a");
    expect(text(cache.fresh("k", 101))).toBe("b");
    // Other keys are untouched.
    await cache.fill("other", async () => ({ cache: body("o", 100) }), keep);
    cache.changed("k");
    expect(text(cache.fresh("other", 100))).toBe("o");
  });

  it("makes one fill for many concurrent misses; the others share it", async () => {
    const cache = new ReadCache(1000, 1 << 20);
    const g = gate<FillOutcome<null, never>>();
    let runs = 0;
    const run = () => {
      runs++;
      return g.done;
    };
    const all = Array.from({ length: 50 }, () => cache.fill("k", run, keep));
    g.open({ cache: body("a", 1) });
    const results = await Promise.all(all);
    expect(runs).toBe(1);
    expect(results.filter((r) => r.served === "miss")).toHaveLength(1);
    expect(results.filter((r) => r.served === "shared")).toHaveLength(49);
    expect(results.every((r) => "cache" in r.outcome && text(r.outcome.cache) === "a")).toBe(true);
  });

  it("does not let a caller after a change share a fill that started before it, nor serve that fill's copy", async () => {
    const cache = new ReadCache(1000, 1 << 20);
    const before = gate<FillOutcome<null, never>>();
    const early = cache.fill("k", () => before.done, keep);
    cache.changed("k");
    let laterRuns = 0;
    const late = cache.fill("k", async () => {
      laterRuns++;
      return { cache: body("after", 2) };
    }, keep);
    before.open({ cache: body("before", 1) });
    expect((await early).served).toBe("miss");
    expect((await late).served).toBe("miss");
    expect(laterRuns).toBe(1);
    expect(text(cache.fresh("k", 2))).toBe("after");
  });

  it("keeps what is for one caller only out of the cache", async () => {
    const cache = new ReadCache<null, string>(1000, 1 << 20);
    const r = await cache.fill("k", async () => ({ pass: "draft row" }), keep);
    expect(r.outcome).toEqual({ pass: "draft row" });
    expect(cache.fresh("k", 0)).toBeNull();
    expect(cache.last("k")).toBeNull();
  });

  it("shares a fill's failure with its waiters instead of each retrying at once", async () => {
    const cache = new ReadCache(1000, 1 << 20);
    const g = gate<FillOutcome<null, never>>();
    let runs = 0;
    const all = Array.from({ length: 10 }, () => cache.fill("k", () => {
      runs++;
      return g.done;
    }, keep).then(() => "ok", (e: unknown) => String(e)));
    g.fail(new Error("database down"));
    expect(await Promise.all(all)).toEqual(Array.from({ length: 10 }, () => "Error: database down"));
    expect(runs).toBe(1);
    // The next miss tries again.
    await cache.fill("k", async () => ({ cache: body("a", 5) }), keep);
    expect(text(cache.fresh("k", 5))).toBe("a");
  });

  it("drops the oldest copies when the bytes held pass the budget", async () => {
    const cache = new ReadCache(60_000, 10);
    await cache.fill("a", async () => ({ cache: body("aaaa", 1) }), keep);
    await cache.fill("b", async () => ({ cache: body("bbbb", 1) }), keep);
    await cache.fill("c", async () => ({ cache: body("cccc", 1) }), keep);
    expect(cache.last("a")).toBeNull();
    expect(text(cache.last("b"))).toBe("bbbb");
    expect(text(cache.last("c"))).toBe("cccc");
  });

  it("does not let a slower, earlier fill replace a newer copy", async () => {
    const cache = new ReadCache(1000, 1 << 20);
    await cache.fill("k", async () => ({ cache: body("new", 50) }), keep);
    // A fill that timed out waiting and ran on its own, finishing after the newer one.
    await cache.fill("k", async () => ({ cache: body("old", 40) }), keep);
    expect(text(cache.fresh("k", 50))).toBe("new");
  });
});
