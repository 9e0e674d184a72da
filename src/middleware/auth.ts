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

/** Requires a valid access token, and one of `roles` when given (admin always passes). */
export function requireAuth(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = await authenticate(c);
    if (roles.length && !roles.includes(p.role) && p.role !== "admin") {
      throw problems.forbidden(`This needs the ${roles.join(" or ")} role`);
    }
    c.set("principal", p);
    await next();
  };
}
