import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LimitResult } from "../../src/rate-limit/limiter";
import { slidingWindow, type WindowState } from "../../src/rate-limit/sliding-window";

describe("sliding window (pure)", () => {
  it("allows the limit, then refuses until the window slides", () => {
    let s: WindowState | null = null;
    const t0 = 1_000_000 * 60_000; // the start of a window
    const results = Array.from({ length: 12 }, (_, i) => {
      const r = slidingWindow(s, 10, 60_000, t0 + i);
      s = r.state;
      return r.result.success;
    });
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(results.slice(10)).toEqual([false, false]);
    // Half-way through the next window, half the previous count still weighs: 5 more fit.
    let more = 0;
    for (let k = 0; k < 10; k++) {
      const r = slidingWindow(s, 10, 60_000, t0 + 90_000);
      s = r.state;
      if (r.result.success) more++;
    }
    expect(more).toBe(5);
    // Two windows later it starts afresh.
    expect(slidingWindow(s, 10, 60_000, t0 + 300_000).result).toMatchObject({ success: true, remaining: 9 });
  });

  it("reports when the window resets", () => {
    const r = slidingWindow(null, 1, 60_000, 120_500);
    expect(r.result.reset).toBe(180_000);
  });
});

describe("Durable Object limiter (the embedded default's store)", () => {
  /**
   * Twelve hits on a fresh key, timed by the clock before and after. A burst inside one fixed
   * window has exact answers (ten allowed, counting down, then refused); one that straddles a
   * window boundary carries a weighted count over, so it is repeated on a fresh key.
   */
  async function burst(limit: number, windowMs: number): Promise<{ key: string; results: LimitResult[] }> {
    for (;;) {
      const key = `login:ip:${crypto.randomUUID()}`;
      const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
      const before = Date.now();
      const results: LimitResult[] = [];
      for (let i = 0; i < limit + 2; i++) results.push(await stub.hit(limit, windowMs));
      if (Math.floor(before / windowMs) === Math.floor(Date.now() / windowMs)) return { key, results };
    }
  }

  it("counts per key across calls: exactly the limit, counting down, then refusals", async () => {
    const { key, results } = await burst(10, 60_000);
    expect(results.map((r) => r.success)).toEqual([...Array<boolean>(10).fill(true), false, false]);
    expect(results.map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]);
    // Every answer names the same reset: the end of the window the burst ran in.
    expect(new Set(results.map((r) => r.reset)).size).toBe(1);
    const other = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${key}-other`));
    expect(await other.hit(10, 60_000)).toMatchObject({ success: true, remaining: 9 });
  });
});
