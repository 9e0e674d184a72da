import type { MiddlewareHandler } from "hono";
import type { AppEnv, Ctx } from "../context";
import { loadKeys, verifyAccessToken, type Principal, type Role } from "../domain/tokens";
import { problems } from "../problem";
import { revocations } from "../rate-limit";

/**
 * Sessions this isolate recently found not revoked. Bounds the cost of the revocation check to
 * one store call per session per few seconds, and a logout's reach to the same few seconds on
 * other isolates (this one forgets the session at once).
 */
const LIVE_SESSION_TTL_MS = 5000;
const liveSessions = new Map<string, number>();
export function forgetSession(sessionId: string): void {
  liveSessions.delete(sessionId);
}

async function sessionRevoked(c: Ctx, sessionId: string): Promise<boolean> {
  const seen = liveSessions.get(sessionId);
  if (seen && Date.now() - seen < LIVE_SESSION_TTL_MS) return false;
  const revoked = await revocations(c.env).isRevoked(sessionId);
  if (!revoked) {
    if (liveSessions.size > 10_000) liveSessions.clear();
    liveSessions.set(sessionId, Date.now());
  }
  return revoked;
}

/** The token of an `Authorization: Bearer …` header, if there is one. */
export function bearerToken(c: Ctx): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
}

/** The caller's verified identity (signature, expiry, issuer, audience), or null. `token` defaults to the Bearer header. */
export async function principalFrom(c: Ctx, token = bearerToken(c)) {
  if (!token) return null;
  return verifyAccessToken(await loadKeys(c.env.JWT_PRIVATE_JWK), token);
}

/** The principal of a valid access token whose session is not revoked; 401 otherwise. `token` defaults to the Bearer header. */
export async function authenticate(c: Ctx, token = bearerToken(c)): Promise<Principal> {
  const p = await principalFrom(c, token);
  if (!p) throw problems.unauthorized("A valid access token is required");
  if (p.sessionId && (await sessionRevoked(c, p.sessionId))) throw problems.unauthorized("This session was signed out");
  return p;
}

/** Every role but `gate`: what `requireAuth()` with no roles admits. */
const PERSON_ROLES: readonly Role[] = ["user", "organizer", "admin"];

/**
 * Requires a valid access token, and one of `roles` when given (admin always passes). With no
 * roles, any person's account passes; a `gate` account (staff of one event) passes only where
 * `gate` is named, so a route made for people (buying, the wallet, the profile) never serves it.
 */
export function requireAuth(...roles: Role[]): MiddlewareHandler<AppEnv> {
  const allowed = roles.length ? [...roles, "admin" satisfies Role] : PERSON_ROLES;
  return async (c, next) => {
    const p = await authenticate(c);
    if (!allowed.includes(p.role)) {
      throw problems.forbidden(roles.length ? `This needs the ${roles.join(" or ")} role` : "A gate account may only scan for its event");
    }
    c.set("principal", p);
    await next();
  };
}
