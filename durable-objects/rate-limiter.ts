import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";
import type { LimitResult } from "../src/rate-limit/limiter";
import { slidingWindow, type WindowState } from "../src/rate-limit/sliding-window";

/**
 * The embedded default's edge store: one small object per key. Rate-limit windows are counted in
 * memory (a limiter that forgets on eviction errs on the side of letting people in); revocations
 * are written to storage, because forgetting one would let a stolen session back in.
 */
export class RateLimiterObject extends DurableObject<Env> {
  private state: WindowState | null = null;

  hit(limit: number, windowMs: number): LimitResult {
    const r = slidingWindow(this.state, limit, windowMs, Date.now());
    this.state = r.state;
    return r.result;
  }

  async revoke(until: number): Promise<void> {
    await this.ctx.storage.put("revoked_until", until);
  }

  async isRevoked(): Promise<boolean> {
    const until = await this.ctx.storage.get<number>("revoked_until");
    return until !== undefined && until > Date.now();
  }
}
