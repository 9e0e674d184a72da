import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import type { Env } from "../env";
import type { LimitResult, RateLimiter } from "./limiter";

const WINDOW_MS = 60_000;

class UpstashLimiter implements RateLimiter {
  private readonly byLimit = new Map<number, Ratelimit>();
  constructor(private readonly redis: Redis) {}

  async limit(key: string, perMinute: number): Promise<LimitResult> {
    let rl = this.byLimit.get(perMinute);
    if (!rl) {
      rl = new Ratelimit({ redis: this.redis, limiter: Ratelimit.slidingWindow(perMinute, "60 s"), prefix: "tp:rl", analytics: false, ephemeralCache: false });
      this.byLimit.set(perMinute, rl);
    }
    const r = await rl.limit(key);
    return { success: r.success, remaining: r.remaining, reset: r.reset };
  }
}

class DurableObjectLimiter implements RateLimiter {
  constructor(private readonly ns: Env["RATE_LIMITER"]) {}

  limit(key: string, perMinute: number): Promise<LimitResult> {
    return this.ns.get(this.ns.idFromName(key)).hit(perMinute, WINDOW_MS);
  }
}

let cached: { env: Env; limiter: RateLimiter } | undefined;

/** Upstash Redis when UPSTASH_REDIS_REST_URL is set; the Durable Object limiter otherwise. */
export function rateLimiter(env: Env): RateLimiter {
  if (cached?.env === env) return cached.limiter;
  const limiter = env.UPSTASH_REDIS_REST_URL
    ? new UpstashLimiter(new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN ?? "" }))
    : new DurableObjectLimiter(env.RATE_LIMITER);
  cached = { env, limiter };
  return limiter;
}
