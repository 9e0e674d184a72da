import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
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
  it("counts per key across calls", async () => {
    const key = `login:ip:${crypto.randomUUID()}`;
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
    const outcomes = [];
    for (let i = 0; i < 12; i++) outcomes.push((await stub.hit(10, 60_000)).success);
    expect(outcomes.filter(Boolean).length).toBeGreaterThanOrEqual(10);
    expect(outcomes.at(-1)).toBe(false);
    const other = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${key}-other`));
    expect((await other.hit(10, 60_000)).success).toBe(true);
  });
});
