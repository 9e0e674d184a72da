import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import type { Env } from "../env";
import type { LimitResult, RateLimiter, Revocations } from "./limiter";

const WINDOW_MS = 60_000;

class UpstashStore implements RateLimiter, Revocations {
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

  async revoke(id: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`tp:revoked:${id}`, 1, { ex: ttlSeconds });
  }

  async isRevoked(id: string): Promise<boolean> {
    return (await this.redis.get(`tp:revoked:${id}`)) !== null;
  }
}

class DurableObjectStore implements RateLimiter, Revocations {
  constructor(private readonly ns: Env["RATE_LIMITER"]) {}

  limit(key: string, perMinute: number): Promise<LimitResult> {
    return this.ns.get(this.ns.idFromName(key)).hit(perMinute, WINDOW_MS);
  }

  revoke(id: string, ttlSeconds: number): Promise<void> {
    return this.ns.get(this.ns.idFromName(`revoked:${id}`)).revoke(Date.now() + ttlSeconds * 1000);
  }

  isRevoked(id: string): Promise<boolean> {
    return this.ns.get(this.ns.idFromName(`revoked:${id}`)).isRevoked();
  }
}

let cached: { env: Env; store: UpstashStore | DurableObjectStore } | undefined;

/** Which edge store this deployment uses: Upstash Redis when UPSTASH_REDIS_REST_URL is set, Durable Objects otherwise. */
export const edgeStoreKind = (env: Pick<Env, "UPSTASH_REDIS_REST_URL">): "upstash" | "durable_object" =>
  env.UPSTASH_REDIS_REST_URL ? "upstash" : "durable_object";

function edgeStore(env: Env): UpstashStore | DurableObjectStore {
  if (cached?.env === env) return cached.store;
  const store = env.UPSTASH_REDIS_REST_URL
    ? new UpstashStore(new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN ?? "" }))
    : new DurableObjectStore(env.RATE_LIMITER);
  cached = { env, store };
  return store;
}

export const rateLimiter = (env: Env): RateLimiter => edgeStore(env);
export const revocations = (env: Env): Revocations => edgeStore(env);
