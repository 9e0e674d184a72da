import type { Ctx } from "../context";
import type { Env } from "../env";
import { Problem } from "../problem";

/**
 * The rules and the binding each is counted in: Cloudflare's Workers rate-limiting binding
 * (`[[ratelimits]]` in wrangler.toml, which holds each rule's limit and period). A check is
 * answered at the edge location without calling any object, so it costs the hot paths no round
 * trip in series; locally `wrangler dev` runs the same binding.
 */
export const RULES = {
  login: "RL_LOGIN", register: "RL_REGISTER", bookings: "RL_BOOKINGS",
  eventReads: "RL_EVENT_READS", search: "RL_SEARCH", health: "RL_HEALTH",
  exports: "RL_EXPORTS", transfers: "RL_TRANSFERS", gateAccounts: "RL_GATE_ACCOUNTS",
} as const satisfies Record<string, keyof Env>;
export type RuleName = keyof typeof RULES;

/** Every rule counts over this period (seconds), as wrangler.toml states it; it bounds Retry-After. */
export const RULE_PERIOD_SECONDS = 60;

export interface LimitResult { success: boolean }

/** Counts one request against a rule's key (per account, per IP, …). */
export interface RateLimiter {
  limit(rule: RuleName, key: string): Promise<LimitResult>;
}

/** Revoked sessions (refresh-token families): Upstash Redis when configured, a Durable Object otherwise. */
export interface Revocations {
  revoke(id: string, ttlSeconds: number): Promise<void>;
  isRevoked(id: string): Promise<boolean>;
}

/** The client's address as Cloudflare reports it (x-forwarded-for only where no edge sets it). */
export function clientIp(c: Ctx): string {
  return c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? "unknown";
}

/**
 * Counts one request against every key (per account and per IP, say), all at once, and refuses
 * with 429 and Retry-After if any is over its limit. The binding does not say when its window
 * ends, so Retry-After is the rule's period: waiting that long always lets the next one in.
 */
export async function enforce(c: Ctx, limiter: RateLimiter, rule: RuleName, keys: string[]): Promise<void> {
  const results = await Promise.all(keys.map((k) => limiter.limit(rule, k)));
  if (results.every((r) => r.success)) return;
  const retryAfter = RULE_PERIOD_SECONDS;
  throw new Problem(429, "rate_limited", "Too many requests", `Too many requests here; try again in ${retryAfter} s`, { retry_after_seconds: retryAfter }, { "Retry-After": String(retryAfter) });
}
