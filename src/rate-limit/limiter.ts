import type { Ctx } from "../context";
import type { Env } from "../env";
import { intVar } from "../env";
import { Problem } from "../problem";

/** The seed's limits, per minute; each can be changed per environment in wrangler.toml. */
export const RULES = {
  login: { envVar: "RATE_LIMIT_LOGIN_PER_MIN", fallback: 10 },
  register: { envVar: "RATE_LIMIT_REGISTER_PER_MIN", fallback: 5 },
  bookings: { envVar: "RATE_LIMIT_BOOKINGS_PER_MIN", fallback: 20 },
  eventReads: { envVar: "RATE_LIMIT_EVENT_READS_PER_MIN", fallback: 100 },
  search: { envVar: "RATE_LIMIT_SEARCH_PER_MIN", fallback: 120 },
  health: { envVar: "RATE_LIMIT_HEALTH_PER_MIN", fallback: 60 },
} as const;
export type RuleName = keyof typeof RULES;

export interface LimitResult { success: boolean; remaining: number; reset: number }

/** One interface, two stores: Upstash Redis when configured, a Durable Object otherwise. */
export interface RateLimiter {
  limit(key: string, perMinute: number): Promise<LimitResult>;
}

/** Revoked sessions (refresh-token families), kept in the same store as the rate limits. */
export interface Revocations {
  revoke(id: string, ttlSeconds: number): Promise<void>;
  isRevoked(id: string): Promise<boolean>;
}

export function perMinute(env: Env, rule: RuleName): number {
  return intVar(env[RULES[rule].envVar], RULES[rule].fallback);
}

/** The client's address as Cloudflare reports it (x-forwarded-for only where no edge sets it). */
export function clientIp(c: Ctx): string {
  return c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? "unknown";
}

/**
 * Counts one request against every key (per account and per IP, say) and refuses with 429 and
 * Retry-After if any is over its limit.
 */
export async function enforce(c: Ctx, limiter: RateLimiter, rule: RuleName, keys: string[]): Promise<void> {
  const max = perMinute(c.env, rule);
  const results = await Promise.all(keys.map((k) => limiter.limit(`${rule}:${k}`, max)));
  const blocked = results.filter((r) => !r.success);
  if (!blocked.length) return;
  const retryAfter = Math.max(1, Math.ceil((Math.max(...blocked.map((r) => r.reset)) - Date.now()) / 1000));
  throw new Problem(429, "rate_limited", "Too many requests", `At most ${max} requests a minute here; try again in ${retryAfter} s`, { retry_after_seconds: retryAfter }, { "Retry-After": String(retryAfter) });
}
