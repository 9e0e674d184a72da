import { eq } from "drizzle-orm";
import { db, type AppEnv, type Ctx } from "../context";
import { users } from "../db/schema";
import { authOperations as op } from "../contract/auth";
import { burnPasswordCheck, hashPassword, verifyPassword } from "../domain/password";
import { loadKeys, signAccessToken, type Principal } from "../domain/tokens";
import { config } from "../config";
import { readBody } from "../middleware/body";
import { requireAuth } from "../middleware/auth";
import { Problem, problems } from "../problem";
import { rateLimiter } from "../rate-limit";
import { accessTokenTtl, revokeAtEdge, revocationStillMatters } from "../auth/edge-revocation";
import { createSession, logoutByRefreshToken, rotateRefreshToken, type SessionUser } from "../auth/sessions";
import { gateEventOf, startGateSession } from "../auth/gate-accounts";
import { clientIp, enforce } from "../rate-limit/limiter";
import { ApiRoutes } from "./api-routes";

type UserRow = typeof users.$inferSelect;
const publicUser = (u: UserRow) => ({
  user_id: u.userId, email: u.email, name: u.name, phone_number: u.phoneNumber, role: u.role, locale: u.locale, created_at: u.createdAt.toISOString(),
});

/** The tokens a client gets for a session: a fresh access token and the session's current refresh token. `eventId`: a gate account's event. */
async function sessionTokens(c: Ctx, user: SessionUser, sessionId: string, refreshToken: string, issuedAt: Date, eventId?: string) {
  const ttl = accessTokenTtl(c.env);
  const principal: Principal = { userId: user.userId, email: user.email, role: user.role, sessionId, ...(eventId ? { eventId } : {}) };
  return {
    access_token: await signAccessToken(await loadKeys(c.env.JWT_PRIVATE_JWK), principal, ttl, issuedAt),
    refresh_token: refreshToken,
    token_type: "Bearer" as const,
    expires_in: ttl,
  };
}

const clock = (c: Ctx, now: Date) => ({ now, refreshTtlSeconds: config(c.env).refreshTokenTtlSeconds });

/** Login and registration: a new session row, its first refresh token, an access token. */
async function startSession(c: Ctx, user: SessionUser) {
  const now = new Date();
  if (user.role === "gate") {
    // Bound to its event, and only while enabled: a disabled gate account fails like a wrong password.
    const s = await startGateSession(db(c), user.userId, clock(c, now));
    if (!s) throw problems.invalidCredentials();
    return sessionTokens(c, user, s.sessionId, s.refreshToken, now, s.eventId);
  }
  const { sessionId, refreshToken } = await createSession(db(c), user.userId, clock(c, now));
  return sessionTokens(c, user, sessionId, refreshToken, now);
}

const invalidRefresh = () => new Problem(401, "invalid_refresh_token", "Invalid refresh token", "The refresh token is not valid; log in again");

export const authRoutes = new ApiRoutes("/api/auth")
  .serve(op.register, async (c) => {
    await enforce(c, rateLimiter(c.env), "register", [`ip:${clientIp(c)}`]);
    const body = await readBody(c, op.register);
    const [user] = await db(c).insert(users).values({
      email: body.email, passwordHash: await hashPassword(body.password), name: body.name,
      phoneNumber: body.phone_number ?? null, role: body.account_type, locale: body.locale ?? "ko",
    }).onConflictDoNothing().returning();
    if (!user) throw problems.conflict("email_taken", "An account with this email already exists");
    c.get("log").info("user registered", { user_id: user.userId, role: user.role });
    return c.json({ user: publicUser(user), ...(await startSession(c, user)) }, 201);
  })
  .serve(op.login, async (c) => {
    const body = await readBody(c, op.login);
    // Per IP and per account: a botnet spraying one account is slowed as much as one IP spraying many.
    await enforce(c, rateLimiter(c.env), "login", [`ip:${clientIp(c)}`, `email:${body.email}`]);
    const [user] = await db(c).select().from(users).where(eq(users.email, body.email));
    if (!user) {
      await burnPasswordCheck(body.password);
      throw problems.invalidCredentials();
    }
    if (!(await verifyPassword(body.password, user.passwordHash))) throw problems.invalidCredentials();
    return c.json(await startSession(c, user), 200);
  })
  .serve(op.refresh, async (c) => {
    const body = await readBody(c, op.refresh);
    // The issue time is taken before the rotation commits, so a revocation that follows it always
    // outlives the access token minted here (see edge-revocation.ts).
    const now = new Date();
    const r = await rotateRefreshToken(db(c), body.refresh_token, clock(c, now));
    if (r.ok && r.user.role !== "gate") return c.json(await sessionTokens(c, r.user, r.sessionId, r.refreshToken, now), 200);
    if (r.ok) {
      // Disabling revokes the session too; this covers a rotation that won the session lock first.
      const eventId = await gateEventOf(db(c), r.user.userId);
      if (eventId) return c.json(await sessionTokens(c, r.user, r.sessionId, r.refreshToken, now, eventId), 200);
      throw invalidRefresh();
    }
    if (r.reason === "reused") {
      c.get("log").warn("refresh token reuse: session revoked", { session_id: r.sessionId });
      await revokeAtEdge(c.env, r.sessionId);
    } else if (r.reason === "revoked" && revocationStillMatters(r.revokedAt, now)) {
      // Mends an edge write that failed when the session was revoked (it is idempotent).
      await revokeAtEdge(c.env, r.sessionId);
    }
    throw invalidRefresh();
  })
  .serve(op.logout, async (c) => {
    const body = await readBody(c, op.logout);
    const sessionId = await logoutByRefreshToken(db(c), body.refresh_token, new Date());
    if (sessionId) await revokeAtEdge(c.env, sessionId);
    return c.body(null, 204);
  })
  .serve(op.me, requireAuth("user", "organizer", "gate"), async (c) => {
    const [user] = await db(c).select().from(users).where(eq(users.userId, c.get("principal").userId));
    if (!user) throw problems.notFound("User");
    return c.json({ user: publicUser(user), gate_event_id: c.get("principal").eventId ?? null }, 200);
  })
  .serve(op.updateMe, requireAuth(), async (c) => {
    const body = await readBody(c, op.updateMe);
    const [user] = await db(c).update(users).set({
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.phone_number !== undefined ? { phoneNumber: body.phone_number } : {}),
      ...(body.locale !== undefined ? { locale: body.locale } : {}),
      updatedAt: new Date(),
    }).where(eq(users.userId, c.get("principal").userId)).returning();
    if (!user) throw problems.notFound("User");
    return c.json({ user: publicUser(user), gate_event_id: null }, 200);
  });
