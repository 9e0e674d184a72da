import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessions } from "../../src/db/schema";
import { api, register, type Session } from "../support/api";
import { testDb } from "../support/db";

type Tokens = { access_token: string; refresh_token: string };
const refresh = (token: string) => api<Tokens>("/api/auth/refresh", { body: { refresh_token: token } });
const me = (access: string) => api("/api/auth/me", { token: access });
const sid = (access: string) => (JSON.parse(Buffer.from(access.split(".")[1]!, "base64url").toString()) as { sid: string }).sid;

/** Nothing of the session works any more: its newest refresh token, and every access token given out. */
async function expectDead(refreshTokens: string[], accessTokens: string[]): Promise<void> {
  for (const t of refreshTokens) expect((await refresh(t)).status).toBe(401);
  for (const t of accessTokens) expect((await me(t)).status).toBe(401);
}

describe("sessions end for good (over HTTP, against the running Worker)", () => {
  it("every login and registration is a session row in Postgres", async () => {
    const s = await register();
    const login = await api<Tokens>("/api/auth/login", { body: { email: s.email, password: "correct horse battery" } });
    expect(login.status).toBe(200);
    const { db, close } = await testDb();
    try {
      for (const access of [s.access, login.body.access_token]) {
        const [row] = await db.select().from(sessions).where(eq(sessions.sessionId, sid(access)));
        expect(row).toMatchObject({ userId: s.userId, revokedAt: null });
      }
    } finally {
      await close();
    }
  });

  it("N concurrent refreshes of one token: at most one succeeds, and since that is reuse, nothing of the family works afterwards", async () => {
    const accounts = await Promise.all(Array.from({ length: 8 }, () => register()));
    await Promise.all(accounts.map(async (s: Session) => {
      const results = await Promise.all(Array.from({ length: 8 }, () => refresh(s.refresh)));
      expect(results.every((r) => r.status === 200 || r.status === 401)).toBe(true);
      const won = results.filter((r) => r.status === 200);
      expect(won.length).toBeLessThanOrEqual(1);
      await expectDead([s.refresh, ...won.map((w) => w.body.refresh_token)], [s.access, ...won.map((w) => w.body.access_token)]);
    }));
  });

  it("refresh racing logout, many times: after the logout no token of the session works", async () => {
    const accounts = await Promise.all(Array.from({ length: 16 }, () => register()));
    const outcomes = await Promise.all(accounts.map(async (s: Session, i) => {
      // Half the rounds send the logout first, so both orders get their chance.
      const logout = () => api("/api/auth/logout", { body: { refresh_token: s.refresh } });
      const [r, out] = i % 2
        ? await Promise.all([refresh(s.refresh), logout()])
        : await Promise.all([logout(), refresh(s.refresh)]).then(([o, f]) => [f, o] as const);
      expect(out.status).toBe(204);
      expect([200, 401]).toContain(r.status);
      const won = r.status === 200 ? [r.body] : [];
      await expectDead([s.refresh, ...won.map((w) => w.refresh_token)], [s.access, ...won.map((w) => w.access_token)]);
      return r.status;
    }));
    // Both orders happened or not, the outcome is the same; say which ones this run saw.
    console.log(`refresh ∥ logout: ${outcomes.filter((s) => s === 200).length} refreshes won the race, ${outcomes.filter((s) => s === 401).length} lost`);
  });

  it("a logout repeated after the session ended still answers 204 and revives nothing", async () => {
    const s = await register();
    const next = await refresh(s.refresh);
    expect(next.status).toBe(200);
    expect((await api("/api/auth/logout", { body: { refresh_token: next.body.refresh_token } })).status).toBe(204);
    expect((await api("/api/auth/logout", { body: { refresh_token: next.body.refresh_token } })).status).toBe(204);
    // The spent first token is refused too (not a second revocation's trigger, just dead).
    await expectDead([s.refresh, next.body.refresh_token], [s.access, next.body.access_token]);
  });
});
