import { SignJWT, jwtVerify } from "jose";
import { z } from "zod";
import type { loadKeys } from "./tokens";

/**
 * Waiting-room tokens: ES256 JWTs with the platform's key, bound to one account and one event.
 * A queue token carries the holder's place (null until a pre-sale arrival is placed), so a
 * status poll is answered at the edge without asking the EventRoom. An admission token lets its
 * holder book until the shopping session ends.
 */
type Keys = Awaited<ReturnType<typeof loadKeys>>;
const ISSUER = "ticketing-pro";
const AUD = { queue: "ticketing-pro-queue", admission: "ticketing-pro-admission" } as const;
export type QueueTokenKind = keyof typeof AUD;

/**
 * `position`: in a queue token, the place in the holder's queue shard `shard` (null until a
 * pre-sale arrival is placed); in an admission token, the room's admission number.
 */
export interface QueueClaims { userId: string; eventId: string; position: number | null; shard?: number }

const claimsSchema = z.object({ sub: z.uuid(), evt: z.uuid(), pos: z.number().int().positive().nullable(), shd: z.number().int().min(0).optional() });

export function signQueueToken(keys: Keys, kind: QueueTokenKind, c: QueueClaims, expiresAt: Date): Promise<string> {
  return new SignJWT({ evt: c.eventId, pos: c.position, ...(c.shard === undefined ? {} : { shd: c.shard }) })
    .setProtectedHeader({ alg: "ES256", kid: keys.kid, typ: "JWT" })
    .setSubject(c.userId).setIssuer(ISSUER).setAudience(AUD[kind]).setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(keys.privateKey);
}

/** The claims if the token is ours, of this kind, unexpired and for this event; null otherwise. */
export async function verifyQueueToken(keys: Keys, kind: QueueTokenKind, token: string, eventId: string): Promise<(QueueClaims & { expiresAt: number }) | null> {
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, { algorithms: ["ES256"], issuer: ISSUER, audience: AUD[kind], requiredClaims: ["exp"] });
    const c = claimsSchema.parse(payload);
    if (c.evt !== eventId) return null;
    return { userId: c.sub, eventId: c.evt, position: c.pos, ...(c.shd === undefined ? {} : { shard: c.shd }), expiresAt: (payload.exp ?? 0) * 1000 };
  } catch {
    return null;
  }
}
