import { SignJWT, exportJWK, importJWK, jwtVerify, type CryptoKey } from "jose";
import { z } from "zod";

/** Access tokens: ES256 JWTs, short-lived, algorithm pinned on verification. */
export const ROLES = ["user", "organizer", "admin", "gate"] as const;
export type Role = (typeof ROLES)[number];
/**
 * `sessionId` is the refresh-token family the access token was issued from; logout revokes it.
 * `expiresAt` (epoch ms) is set on verified tokens. `eventId` is the one event a `gate` account
 * staffs (claim `evt`): a gate token without it is not accepted, and other roles carry none.
 */
export interface Principal { userId: string; email: string; role: Role; sessionId?: string; expiresAt?: number; eventId?: string }

const ISSUER = "ticketing-pro";
const AUDIENCE = "ticketing-pro-api";
const ALG = "ES256";

/** The public half as /.well-known/jwks.json serves it: the private JWK without `d`. */
export interface PublicJwk { kty: "EC"; crv: "P-256"; x: string; y: string; kid: string; alg: typeof ALG; use: "sig" }
interface KeyPair { kid: string; privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: PublicJwk }
const cache = new Map<string, Promise<KeyPair>>();

const privateJwkSchema = z.object({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string(), d: z.string(), kid: z.string().min(1) });

/** Imports the signing key once per isolate. The public half is the private JWK without `d`. */
export function loadKeys(privateJwkJson: string): Promise<KeyPair> {
  let entry = cache.get(privateJwkJson);
  if (!entry) {
    entry = (async () => {
      const jwk = privateJwkSchema.parse(JSON.parse(privateJwkJson));
      const { d: _d, ...pub } = jwk;
      const publicJwk: PublicJwk = { ...pub, alg: ALG, use: "sig" };
      return {
        kid: jwk.kid,
        privateKey: (await importJWK({ ...jwk, alg: ALG }, ALG)) as CryptoKey,
        publicKey: (await importJWK(publicJwk, ALG)) as CryptoKey,
        publicJwk,
      };
    })();
    cache.set(privateJwkJson, entry);
  }
  return entry;
}

/** `issuedAt` defaults to now; the token expires `ttlSeconds` after it. */
export async function signAccessToken(keys: KeyPair, p: Principal, ttlSeconds: number, issuedAt = new Date()): Promise<string> {
  const iat = Math.floor(issuedAt.getTime() / 1000);
  if ((p.role === "gate") !== (p.eventId !== undefined)) throw new Error("a gate token names its event, and only a gate token does");
  return new SignJWT({ email: p.email, role: p.role, ...(p.sessionId ? { sid: p.sessionId } : {}), ...(p.eventId ? { evt: p.eventId } : {}) })
    .setProtectedHeader({ alg: ALG, kid: keys.kid, typ: "JWT" })
    .setSubject(p.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(keys.privateKey);
}

const claimsSchema = z.object({ sub: z.uuid(), email: z.string(), role: z.enum(ROLES), sid: z.uuid().optional(), evt: z.uuid().optional(), exp: z.number() })
  .refine((c) => (c.role === "gate") === (c.evt !== undefined), "a gate token names its event, and only a gate token does");

/** Returns the principal, or null for any token that is forged, expired, or not ours. */
export async function verifyAccessToken(keys: KeyPair, token: string): Promise<Principal | null> {
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, { algorithms: [ALG], issuer: ISSUER, audience: AUDIENCE });
    const claims = claimsSchema.parse(payload);
    return {
      userId: claims.sub, email: claims.email, role: claims.role, expiresAt: claims.exp * 1000,
      ...(claims.sid ? { sessionId: claims.sid } : {}), ...(claims.evt ? { eventId: claims.evt } : {}),
    };
  } catch {
    return null;
  }
}

/** A fresh signing key as a private JWK string (used by scripts to create .dev.vars). */
export async function generatePrivateJwk(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = await exportJWK(pair.privateKey);
  return JSON.stringify({ ...jwk, kid: crypto.randomUUID().slice(0, 8), alg: ALG });
}
