/**
 * Login sessions and their rotating refresh tokens, over any `Db` (the Worker's per-request pool,
 * or a Node test's). A session is one refresh-token family; its `sessions` row is the lock that
 * orders everything done to the family: a rotation holds it from "is the session live?" to "the
 * next token is stored", and a revocation takes it before marking the tokens. So once a
 * revocation commits, no token of the family is ever minted or accepted again.
 */
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { refreshTokens, sessions, users } from "../db/schema";
import { newRefreshToken, parseRefreshToken } from "../domain/refresh-token";
import type { Role } from "../domain/tokens";

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface SessionUser { userId: string; email: string; role: Role }
export type RevokeReason = "logout" | "refresh_token_reuse" | "gate_account_disabled";
/** Time is an input, so callers (and tests) decide what "now" is. */
export interface SessionClock { now: Date; refreshTtlSeconds: number }

export type RotateResult =
  | { ok: true; sessionId: string; refreshToken: string; user: SessionUser }
  /** `invalid`: not a token of ours. `expired`: past its lifetime. `revoked`: the session ended earlier. `reused`: a spent token came back, so the session ended now. */
  | { ok: false; reason: "invalid" | "expired"; sessionId?: undefined; revokedAt?: undefined }
  | { ok: false; reason: "revoked" | "reused"; sessionId: string; revokedAt: Date };

const INVALID = { ok: false, reason: "invalid" } as const;

async function insertRefreshToken(tx: Tx | Db, sessionId: string, userId: string, clock: SessionClock): Promise<string> {
  const next = await newRefreshToken();
  await tx.insert(refreshTokens).values({
    tokenId: next.tokenId, userId, familyId: sessionId, tokenHash: next.hash,
    expiresAt: new Date(clock.now.getTime() + clock.refreshTtlSeconds * 1000), createdAt: clock.now,
  });
  return next.token;
}

/** A new session (login, registration) with its first refresh token. */
export async function createSession(db: Db, userId: string, clock: SessionClock): Promise<{ sessionId: string; refreshToken: string }> {
  return db.transaction((tx) => createSessionIn(tx, userId, clock));
}

/** `createSession` inside the caller's transaction (which may hold a lock the session depends on). */
export async function createSessionIn(tx: Tx, userId: string, clock: SessionClock): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = crypto.randomUUID();
  await tx.insert(sessions).values({ sessionId, userId, createdAt: clock.now });
  return { sessionId, refreshToken: await insertRefreshToken(tx, sessionId, userId, clock) };
}

/**
 * Locks the session row (SELECT … FOR UPDATE) until the transaction ends. A family minted before
 * sessions had rows gets one here, revoked if any of its tokens was.
 */
async function lockSession(tx: Tx, sessionId: string, userId: string) {
  const lock = () => tx.select().from(sessions).where(eq(sessions.sessionId, sessionId)).for("update");
  const [found] = await lock();
  if (found) return found;
  const [revokedToken] = await tx.select({ at: refreshTokens.revokedAt }).from(refreshTokens)
    .where(and(eq(refreshTokens.familyId, sessionId), isNotNull(refreshTokens.revokedAt))).limit(1);
  await tx.insert(sessions).values({ sessionId, userId, revokedAt: revokedToken?.at ?? null, revokedReason: revokedToken ? "migrated" : null }).onConflictDoNothing();
  return (await lock())[0];
}

/** Marks the session and every token of it revoked. Takes the session's row lock first (the UPDATE). */
export async function revokeInTx(tx: Tx, sessionId: string, userId: string, reason: RevokeReason, now: Date): Promise<void> {
  // A family without a row (minted before sessions had them) gets one, born revoked; if a rotation
  // is creating it right now, this waits for that to commit, so the UPDATE below sees and locks it.
  await tx.insert(sessions).values({ sessionId, userId, revokedAt: now, revokedReason: reason }).onConflictDoNothing();
  await tx.update(sessions).set({ revokedAt: now, revokedReason: reason }).where(and(eq(sessions.sessionId, sessionId), isNull(sessions.revokedAt)));
  // After the lock: a rotation that held it has committed, so its new token is marked too.
  await tx.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.familyId, sessionId), isNull(refreshTokens.revokedAt)));
}

/**
 * Spends a refresh token and mints the next one, in one transaction under the session's lock.
 * A token that was already spent is a replay: the session is revoked in the same transaction.
 */
export async function rotateRefreshToken(db: Db, presented: string, clock: SessionClock): Promise<RotateResult> {
  const parsed = await parseRefreshToken(presented);
  if (!parsed) return INVALID;
  return db.transaction(async (tx): Promise<RotateResult> => {
    const [token] = await tx.select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId, hash: refreshTokens.tokenHash })
      .from(refreshTokens).where(eq(refreshTokens.tokenId, parsed.tokenId));
    if (!token || token.hash !== parsed.hash) return INVALID;
    const session = await lockSession(tx, token.familyId, token.userId);
    if (!session || session.userId !== token.userId) return INVALID;
    if (session.revokedAt) return { ok: false, reason: "revoked", sessionId: session.sessionId, revokedAt: session.revokedAt };
    // Read again under the lock: a rotation that held it before us may have spent this token.
    const [current] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenId, parsed.tokenId));
    if (!current) return INVALID;
    if (current.usedAt || current.revokedAt) {
      await revokeInTx(tx, session.sessionId, session.userId, "refresh_token_reuse", clock.now);
      return { ok: false, reason: "reused", sessionId: session.sessionId, revokedAt: clock.now };
    }
    if (current.expiresAt.getTime() <= clock.now.getTime()) return { ok: false, reason: "expired" };
    const [user] = await tx.select({ userId: users.userId, email: users.email, role: users.role }).from(users).where(eq(users.userId, session.userId));
    if (!user) return INVALID;
    await tx.update(refreshTokens).set({ usedAt: clock.now }).where(eq(refreshTokens.tokenId, current.tokenId));
    const refreshToken = await insertRefreshToken(tx, session.sessionId, user.userId, clock);
    return { ok: true, sessionId: session.sessionId, refreshToken, user };
  });
}

/**
 * Logout: ends the session a refresh token belongs to, for good, and returns its id (null for a
 * token that is not ours). Idempotent: a second logout changes nothing but answers the same.
 */
export async function logoutByRefreshToken(db: Db, presented: string, now: Date): Promise<string | null> {
  const parsed = await parseRefreshToken(presented);
  if (!parsed) return null;
  return db.transaction(async (tx) => {
    const [token] = await tx.select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId, hash: refreshTokens.tokenHash })
      .from(refreshTokens).where(eq(refreshTokens.tokenId, parsed.tokenId));
    if (!token || token.hash !== parsed.hash) return null;
    await revokeInTx(tx, token.familyId, token.userId, "logout", now);
    return token.familyId;
  });
}
