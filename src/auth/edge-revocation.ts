/**
 * Access tokens are checked at the edge without Postgres, so a revoked session is also written to
 * the edge store (Upstash Redis or the limiter Durable Object), for as long as any access token
 * of it can still be valid.
 */
import { config, MAX_ACCESS_TOKEN_TTL_SECONDS } from "../config";
import type { Env } from "../env";
import { forgetSession } from "../middleware/auth";
import { revocations } from "../rate-limit";

/**
 * An access token is signed with an issue time taken before its session's rotation commits, and a
 * revocation commits after that (it waits for the session lock), so every token of a revoked
 * session expires within this long of the revocation; the minute covers clocks of other isolates.
 */
export const EDGE_REVOCATION_TTL_SECONDS = MAX_ACCESS_TOKEN_TTL_SECONDS + 60;

/** ACCESS_TOKEN_TTL_SECONDS, capped at MAX_ACCESS_TOKEN_TTL_SECONDS (src/config.ts). */
export const accessTokenTtl = (env: Env): number => config(env).accessTokenTtlSeconds;

/** Records the revocation at the edge (idempotent, so a failed write is mended by trying again). */
export async function revokeAtEdge(env: Env, sessionId: string): Promise<void> {
  forgetSession(sessionId);
  await revocations(env).revoke(sessionId, EDGE_REVOCATION_TTL_SECONDS);
}

/** Whether a revocation at `revokedAt` may still matter: some access token of the session may be unexpired. */
export const revocationStillMatters = (revokedAt: Date, now: Date): boolean =>
  now.getTime() - revokedAt.getTime() < EDGE_REVOCATION_TTL_SECONDS * 1000;
