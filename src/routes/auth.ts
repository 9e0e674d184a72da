import { Hono } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import { db, type AppEnv, type Ctx } from "../context";
import { refreshTokens, users } from "../db/schema";
import { loginBody, refreshBody, registerBody, updateProfileBody } from "../domain/auth-input";
import { burnPasswordCheck, hashPassword, verifyPassword } from "../domain/password";
import { newRefreshToken, parseRefreshToken } from "../domain/refresh-token";
import { loadKeys, signAccessToken, type Principal } from "../domain/tokens";
import { intVar } from "../env";
import { readJson } from "../middleware/body";
import { forgetSession, requireAuth } from "../middleware/auth";
import { Problem, problems } from "../problem";
import { rateLimiter, revocations } from "../rate-limit";
import { clientIp, enforce } from "../rate-limit/limiter";

type UserRow = typeof users.$inferSelect;
const publicUser = (u: UserRow) => ({
  user_id: u.userId, email: u.email, name: u.name, phone_number: u.phoneNumber, role: u.role, locale: u.locale, created_at: u.createdAt.toISOString(),
});

/** Signs an access token and stores a new refresh token (in a new family unless one is given). */
async function issueSession(c: Ctx, user: UserRow, familyId: string = crypto.randomUUID()) {
  const ttl = intVar(c.env.ACCESS_TOKEN_TTL_SECONDS, 900);
  const refreshTtl = intVar(c.env.REFRESH_TOKEN_TTL_SECONDS, 14 * 86400);
  const principal: Principal = { userId: user.userId, email: user.email, role: user.role, sessionId: familyId };
  const refresh = await newRefreshToken();
  await db(c).insert(refreshTokens).values({
    tokenId: refresh.tokenId, userId: user.userId, familyId, tokenHash: refresh.hash, expiresAt: new Date(Date.now() + refreshTtl * 1000),
  });
  return {
    access_token: await signAccessToken(await loadKeys(c.env.JWT_PRIVATE_JWK), principal, Math.min(ttl, 900)),
    refresh_token: refresh.token,
    token_type: "Bearer" as const,
    expires_in: Math.min(ttl, 900),
  };
}

/** Ends a session everywhere: its refresh tokens in Postgres, its access tokens via the edge store. */
async function revokeFamily(c: Ctx, familyId: string): Promise<void> {
  await db(c).update(refreshTokens).set({ revokedAt: new Date() }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  // Access tokens live at most 15 minutes; the revocation only has to outlive them.
  await revocations(c.env).revoke(familyId, 900);
  forgetSession(familyId);
}

const invalidRefresh = () => new Problem(401, "invalid_refresh_token", "Invalid refresh token", "The refresh token is not valid; log in again");

export const authRoutes = new Hono<AppEnv>()
  .post("/register", async (c) => {
    await enforce(c, rateLimiter(c.env), "register", [`ip:${clientIp(c)}`]);
    const body = await readJson(c, registerBody);
    const [user] = await db(c).insert(users).values({
      email: body.email, passwordHash: await hashPassword(body.password), name: body.name,
      phoneNumber: body.phone_number ?? null, role: body.account_type, locale: body.locale ?? "ko",
    }).onConflictDoNothing().returning();
    if (!user) throw problems.conflict("email_taken", "An account with this email already exists");
    c.get("log").info("user registered", { user_id: user.userId, role: user.role });
    return c.json({ user: publicUser(user), ...(await issueSession(c, user)) }, 201);
  })
  .post("/login", async (c) => {
    const body = await readJson(c, loginBody);
    // Per IP and per account: a botnet spraying one account is slowed as much as one IP spraying many.
    await enforce(c, rateLimiter(c.env), "login", [`ip:${clientIp(c)}`, `email:${body.email}`]);
    const [user] = await db(c).select().from(users).where(eq(users.email, body.email));
    if (!user) {
      await burnPasswordCheck(body.password);
      throw problems.invalidCredentials();
    }
    if (!(await verifyPassword(body.password, user.passwordHash))) throw problems.invalidCredentials();
    return c.json(await issueSession(c, user));
  })
  .post("/refresh", async (c) => {
    const body = await readJson(c, refreshBody);
    const parsed = await parseRefreshToken(body.refresh_token);
    if (!parsed) throw invalidRefresh();
    const [row] = await db(c).select().from(refreshTokens).where(eq(refreshTokens.tokenId, parsed.tokenId));
    if (!row || row.tokenHash !== parsed.hash || row.revokedAt || row.expiresAt.getTime() <= Date.now()) throw invalidRefresh();
    // Spend the token; if someone spent it first, this is a replay: revoke the whole family.
    const spent = await db(c).update(refreshTokens).set({ usedAt: new Date() })
      .where(and(eq(refreshTokens.tokenId, row.tokenId), isNull(refreshTokens.usedAt))).returning({ id: refreshTokens.tokenId });
    if (!spent.length) {
      await revokeFamily(c, row.familyId);
      c.get("log").warn("refresh token reuse: family revoked", { user_id: row.userId, family_id: row.familyId });
      throw invalidRefresh();
    }
    const [user] = await db(c).select().from(users).where(eq(users.userId, row.userId));
    if (!user) throw invalidRefresh();
    return c.json(await issueSession(c, user, row.familyId));
  })
  .post("/logout", async (c) => {
    const body = await readJson(c, refreshBody);
    const parsed = await parseRefreshToken(body.refresh_token);
    if (parsed) {
      const [row] = await db(c).select().from(refreshTokens).where(eq(refreshTokens.tokenId, parsed.tokenId));
      if (row && row.tokenHash === parsed.hash) await revokeFamily(c, row.familyId);
    }
    return c.body(null, 204);
  })
  .get("/me", requireAuth(), async (c) => {
    const [user] = await db(c).select().from(users).where(eq(users.userId, c.get("principal").userId));
    if (!user) throw problems.notFound("User");
    return c.json({ user: publicUser(user) });
  })
  .put("/me", requireAuth(), async (c) => {
    const body = await readJson(c, updateProfileBody);
    const [user] = await db(c).update(users).set({
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.phone_number !== undefined ? { phoneNumber: body.phone_number } : {}),
      ...(body.locale !== undefined ? { locale: body.locale } : {}),
      updatedAt: new Date(),
    }).where(eq(users.userId, c.get("principal").userId)).returning();
    if (!user) throw problems.notFound("User");
    return c.json({ user: publicUser(user) });
  });
