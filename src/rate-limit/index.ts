import { Redis } from "@upstash/redis/cloudflare";
import type { Env } from "../env";
import { RULES, type LimitResult, type RateLimiter, type Revocations, type RuleName } from "./limiter";

/** Rate limits: the Workers rate-limiting binding of each rule (wrangler.toml). */
class BindingLimiter implements RateLimiter {
  constructor(private readonly env: Env) {}

  limit(rule: RuleName, key: string): Promise<LimitResult> {
    return this.env[RULES[rule]].limit({ key });
  }
}

class UpstashRevocations implements Revocations {
  constructor(private readonly redis: Redis) {}

  async revoke(id: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`tp:revoked:${id}`, 1, { ex: ttlSeconds });
  }

  async isRevoked(id: string): Promise<boolean> {
    return (await this.redis.get(`tp:revoked:${id}`)) !== null;
  }
}

class DurableObjectRevocations implements Revocations {
  constructor(private readonly ns: Env["RATE_LIMITER"]) {}

  revoke(id: string, ttlSeconds: number): Promise<void> {
    return this.ns.get(this.ns.idFromName(`revoked:${id}`)).revoke(Date.now() + ttlSeconds * 1000);
  }

  isRevoked(id: string): Promise<boolean> {
    return this.ns.get(this.ns.idFromName(`revoked:${id}`)).isRevoked();
  }
}

/** What /health names: rate limits are always the binding; revocations live in Upstash Redis when configured, a Durable Object otherwise. */
export const RATE_LIMIT_STORE = "workers_ratelimit" as const;
export const revocationStoreKind = (env: Pick<Env, "UPSTASH_REDIS_REST_URL">): "upstash" | "durable_object" =>
  env.UPSTASH_REDIS_REST_URL ? "upstash" : "durable_object";

let cached: { env: Env; limiter: BindingLimiter; revocations: Revocations } | undefined;

function stores(env: Env) {
  if (cached?.env === env) return cached;
  const revocations = env.UPSTASH_REDIS_REST_URL
    ? new UpstashRevocations(new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN ?? "" }))
    : new DurableObjectRevocations(env.RATE_LIMITER);
  cached = { env, limiter: new BindingLimiter(env), revocations };
  return cached;
}

export const rateLimiter = (env: Env): RateLimiter => stores(env).limiter;
export const revocations = (env: Env): Revocations => stores(env).revocations;
