import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";

/**
 * Session revocations for deployments without Upstash: one small object per revoked session,
 * written to storage, because forgetting one would let a stolen session back in. (Rate limits
 * are the Workers rate-limiting binding; the class keeps its name for its migration.)
 */
export class RateLimiterObject extends DurableObject<Env> {
  async revoke(until: number): Promise<void> {
    await this.ctx.storage.put("revoked_until", until);
  }

  async isRevoked(): Promise<boolean> {
    const until = await this.ctx.storage.get<number>("revoked_until");
    return until !== undefined && until > Date.now();
  }
}
