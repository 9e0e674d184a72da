import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession, logoutByRefreshToken, rotateRefreshToken, type RotateResult } from "../../src/auth/sessions";
import { refreshTokens, sessions, users } from "../../src/db/schema";
import { closeSharedProxy, openNodeDb } from "../../workers/db";
import { DATABASE_URL, EMBEDDED_DATABASE_URL } from "../support/env";

type Handle = Awaited<ReturnType<typeof openNodeDb>>;

const clock = () => ({ now: new Date(), refreshTtlSeconds: 3600 });

async function newUser(h: Handle): Promise<string> {
  const userId = crypto.randomUUID();
  await h.db.insert(users).values({ userId, email: `${userId}@sessions.test`, passwordHash: "x", name: "t" });
  return userId;
}

/** Tokens of the session that are neither revoked nor spent: after a revocation there must be none. */
async function liveTokens(h: Handle, sessionId: string): Promise<number> {
  const [r] = await h.db.select({ n: sql<number>`count(*)::int` }).from(refreshTokens)
    .where(and(eq(refreshTokens.familyId, sessionId), isNull(refreshTokens.revokedAt)));
  return r?.n ?? -1;
}

// Many callers at once against the rotation itself, on real PostgreSQL and on the embedded
// default: each pool connection is its own Postgres session, as the Worker's requests are.
describe.each([["PostgreSQL", DATABASE_URL], ["the embedded default", EMBEDDED_DATABASE_URL]])("session rotation on %s", (_name, url) => {
  let h: Handle;
  // A pool as wide as the races, so the callers really are in separate transactions at once.
  beforeAll(async () => { h = await openNodeDb(url, 12); });
  afterAll(async () => { await h.close(); await closeSharedProxy(); });

  it("N concurrent refreshes of one token: at most one wins, and then nothing of the session works", async () => {
    for (let round = 0; round < 5; round++) {
      const userId = await newUser(h);
      const { sessionId, refreshToken } = await createSession(h.db, userId, clock());
      const results = await Promise.all(Array.from({ length: 10 }, () => rotateRefreshToken(h.db, refreshToken, clock())));
      const won = results.filter((r): r is Extract<RotateResult, { ok: true }> => r.ok);
      expect(won.length).toBeLessThanOrEqual(1);
      // Every loser presented a spent token: that is reuse, and the session ends.
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && (r.reason === "reused" || r.reason === "revoked"))).toBe(true);
      const [s] = await h.db.select().from(sessions).where(eq(sessions.sessionId, sessionId));
      expect(s?.revokedAt).toBeInstanceOf(Date);
      expect(s?.revokedReason).toBe("refresh_token_reuse");
      expect(await liveTokens(h, sessionId)).toBe(0);
      for (const w of won) expect(await rotateRefreshToken(h.db, w.refreshToken, clock())).toMatchObject({ ok: false, reason: "revoked" });
    }
  });

  it("refresh racing logout, many times: after the logout no token of the session is minted or accepted", async () => {
    const rounds = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const userId = await newUser(h);
      const { sessionId, refreshToken } = await createSession(h.db, userId, clock());
      const rotate = () => rotateRefreshToken(h.db, refreshToken, clock());
      const logout = () => logoutByRefreshToken(h.db, refreshToken, new Date());
      // Half the rounds start the logout first, so both orders get their chance.
      const [rotated, loggedOut] = i % 2
        ? await Promise.all([rotate(), logout()])
        : await Promise.all([logout(), rotate()]).then(([o, r]) => [r, o] as const);
      return { sessionId, rotated, loggedOut };
    }));
    console.log(`rotate ∥ logout: ${rounds.filter((r) => r.rotated.ok).length} of ${rounds.length} rotations committed before the logout`);
    for (const { sessionId, rotated, loggedOut } of rounds) {
      expect(loggedOut).toBe(sessionId);
      expect(await liveTokens(h, sessionId)).toBe(0);
      if (rotated.ok) expect(await rotateRefreshToken(h.db, rotated.refreshToken, clock())).toMatchObject({ ok: false, reason: "revoked" });
      else expect(rotated.reason).toBe("revoked");
    }
    // Nothing was half-done: every one of those sessions is revoked with the reason that ended it.
    const ids = rounds.map((r) => r.sessionId);
    const revoked = await h.db.select({ id: sessions.sessionId, reason: sessions.revokedReason }).from(sessions)
      .where(and(isNotNull(sessions.revokedAt), sql`${sessions.sessionId} IN (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})`));
    expect(revoked).toHaveLength(ids.length);
    expect(revoked.every((r) => r.reason === "logout")).toBe(true);
  });

  it("a chain of honest refreshes works; a logged-out session never comes back, even with its newest token", async () => {
    const userId = await newUser(h);
    const { sessionId, refreshToken } = await createSession(h.db, userId, clock());
    let current = refreshToken;
    for (let i = 0; i < 5; i++) {
      const r = await rotateRefreshToken(h.db, current, clock());
      if (!r.ok) throw new Error(`honest refresh ${i} refused: ${r.reason}`);
      expect(r.sessionId).toBe(sessionId);
      current = r.refreshToken;
    }
    expect(await logoutByRefreshToken(h.db, current, new Date())).toBe(sessionId);
    expect(await rotateRefreshToken(h.db, current, clock())).toMatchObject({ ok: false, reason: "revoked" });
    // Another session of the same account is untouched.
    const other = await createSession(h.db, userId, clock());
    expect((await rotateRefreshToken(h.db, other.refreshToken, clock())).ok).toBe(true);
    // Garbage, a forged secret, and an expired token are refused without touching the session.
    expect(await rotateRefreshToken(h.db, "nope", clock())).toMatchObject({ ok: false, reason: "invalid" });
    expect(await rotateRefreshToken(h.db, `${other.refreshToken.split(".")[0]}.${"A".repeat(43)}`, clock())).toMatchObject({ ok: false, reason: "invalid" });
    const late = { now: new Date(Date.now() + 2 * 3600_000), refreshTtlSeconds: 3600 };
    const fresh = await createSession(h.db, userId, clock());
    expect(await rotateRefreshToken(h.db, fresh.refreshToken, late)).toMatchObject({ ok: false, reason: "expired" });
  });
});
