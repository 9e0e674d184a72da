import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rateLimiter, revocations } from "../../src/rate-limit";
import { RULES, type RuleName } from "../../src/rate-limit/limiter";

// The Workers rate-limiting binding as workerd runs it locally (the same wrangler.toml), through
// the limiter the routes use.

/** The limits wrangler.toml gives each rule (top level: production's, which this pool runs). */
const LIMITS: Record<RuleName, number> = { login: 10, register: 5, bookings: 20, eventReads: 100, search: 120, health: 60, exports: 5, transfers: 10, gateAccounts: 20 };

/**
 * `limit + 2` hits on a fresh key; a burst that straddles a minute boundary (the binding's
 * windows are fixed minutes) is repeated on another fresh key, so the answers are exact.
 */
async function burst(rule: RuleName, extra = 2): Promise<{ key: string; results: boolean[] }> {
  for (;;) {
    const key = `ip:${crypto.randomUUID()}`;
    const before = Date.now();
    const results: boolean[] = [];
    for (let i = 0; i < LIMITS[rule] + extra; i++) results.push((await rateLimiter(env).limit(rule, key)).success);
    if (Math.floor(before / 60_000) === Math.floor(Date.now() / 60_000)) return { key, results };
  }
}

describe("rate limits (Workers rate-limiting binding)", () => {
  it("every rule has its binding, with exactly the limit wrangler.toml states", async () => {
    expect(Object.keys(RULES).sort()).toEqual(Object.keys(LIMITS).sort());
    for (const rule of Object.keys(LIMITS) as RuleName[]) {
      const { results } = await burst(rule);
      expect(results, rule).toEqual([...Array<boolean>(LIMITS[rule]).fill(true), false, false]);
    }
  });

  it("counts each key on its own, and each rule on its own", async () => {
    const { key } = await burst("login");
    expect((await rateLimiter(env).limit("login", `${key}-other`)).success).toBe(true);
    expect((await rateLimiter(env).limit("register", key)).success).toBe(true);
  });

  it("counts concurrent hits exactly", async () => {
    // Repeated on a fresh key if the burst straddled a minute boundary.
    for (;;) {
      const key = `ip:${crypto.randomUUID()}`;
      const minute = Math.floor(Date.now() / 60_000);
      const results = await Promise.all(Array.from({ length: 30 }, () => rateLimiter(env).limit("bookings", key)));
      if (Math.floor(Date.now() / 60_000) !== minute) continue;
      expect(results.filter((r) => r.success)).toHaveLength(20);
      return;
    }
  });
});

describe("revocations (Durable Object store without Upstash)", () => {
  it("remembers a revoked session until its time is up", async () => {
    const id = crypto.randomUUID();
    expect(await revocations(env).isRevoked(id)).toBe(false);
    await revocations(env).revoke(id, 60);
    expect(await revocations(env).isRevoked(id)).toBe(true);
    await revocations(env).revoke(`${id}-gone`, 0);
    expect(await revocations(env).isRevoked(`${id}-gone`)).toBe(false);
  });
});
