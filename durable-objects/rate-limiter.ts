import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";
import type { LimitResult } from "../src/rate-limit/limiter";
import { slidingWindow, type WindowState } from "../src/rate-limit/sliding-window";

/**
 * The embedded default's rate-limit store: one small object per key, counting a sliding window
 * in memory (a limiter that forgets on eviction errs on the side of letting people in).
 */
export class RateLimiterObject extends DurableObject<Env> {
  private state: WindowState | null = null;

  hit(limit: number, windowMs: number): LimitResult {
    const r = slidingWindow(this.state, limit, windowMs, Date.now());
    this.state = r.state;
    return r.result;
  }
}
