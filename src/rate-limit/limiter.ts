import type { Ctx } from "../context";
import { config, type RateLimits } from "../config";
import type { Env } from "../env";
import { Problem } from "../problem";

/** The rules, each with its limit per minute in the config (the seed's by default; RATE_LIMIT_*_PER_MIN per environment). */
export type RuleName = keyof RateLimits;

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
  return config(env).rateLimits[rule];
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
