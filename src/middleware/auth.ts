import type { MiddlewareHandler } from "hono";
import type { AppEnv, Ctx } from "../context";
import { loadKeys, verifyAccessToken, type Role } from "../domain/tokens";
import { problems } from "../problem";

export async function principalFrom(c: Ctx) {
  const header = c.req.header("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) return null;
  return verifyAccessToken(await loadKeys(c.env.JWT_PRIVATE_JWK), m[1]!);
}

/** Requires a valid access token, and one of `roles` when given (admin always passes). */
export function requireAuth(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = await principalFrom(c);
    if (!p) throw problems.unauthorized("A valid access token is required");
    if (roles.length && !roles.includes(p.role) && p.role !== "admin") {
      throw problems.forbidden(`This needs the ${roles.join(" or ")} role`);
    }
    c.set("principal", p);
    await next();
  };
}
