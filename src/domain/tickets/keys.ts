/**
 * Keys of the ticket formats. The issuer (the event's room) signs cores with an event signing key,
 * ES256; gates hold the event's list of public keys, so a key can rotate while older cores still
 * verify. The fan's device key is P-256 too (non-extractable in the browser): one curve and one
 * signature scheme for both signatures keeps the verifier to one import path.
 */
import { z } from "zod";
import { bytesToHex, concat, type Bytes } from "./bytes";
import { DEVICE_KEY_BYTES, KID_BYTES } from "./core";

const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;
export const SIGN_PARAMS = { name: "ECDSA", hash: "SHA-256" } as const;

const kid = z.string().regex(new RegExp(`^[0-9a-f]{${KID_BYTES * 2}}$`));
const coordinate = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** A public key as the manifest lists it. */
export const issuerPublicJwk = z.strictObject({
  kty: z.literal("EC"), crv: z.literal("P-256"), x: coordinate, y: coordinate, kid, alg: z.literal("ES256"), use: z.literal("sig"),
});
export type IssuerPublicJwk = z.output<typeof issuerPublicJwk>;
/** The private key as the room stores it. */
export const issuerPrivateJwk = issuerPublicJwk.extend({ d: coordinate });
export type IssuerPrivateJwk = z.output<typeof issuerPrivateJwk>;

export interface EventSigningKey { kid: string; privateJwk: IssuerPrivateJwk; publicJwk: IssuerPublicJwk }

/** Up to this many keys per event (current plus retired ones still verifying). */
export const MAX_ISSUER_KEYS = 16;

/**
 * A fresh event signing key. Its kid differs from every kid in `taken`, so a gate's key list never
 * holds two keys under one id.
 */
export async function generateEventSigningKey(taken: readonly string[] = []): Promise<EventSigningKey> {
  let id: string;
  do id = bytesToHex(crypto.getRandomValues(new Uint8Array(KID_BYTES)));
  while (taken.includes(id));
  const pair = (await crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  const privateJwk = issuerPrivateJwk.parse({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, kid: id, alg: "ES256", use: "sig" });
  const { d: _d, ...publicJwk } = privateJwk;
  return { kid: id, privateJwk, publicJwk };
}

export interface IssuerSigner { kid: string; privateKey: CryptoKey }

export async function importSigner(privateJwk: IssuerPrivateJwk): Promise<IssuerSigner> {
  const jwk = issuerPrivateJwk.parse(privateJwk);
  const { kid: id, alg: _a, use: _u, ...key } = jwk;
  return { kid: id, privateKey: await crypto.subtle.importKey("jwk", key, ECDSA, false, ["sign"]) };
}

/** The verifier's key ring: kid → imported public key. Import once per key list, not per scan. */
export type IssuerKeyRing = ReadonlyMap<string, CryptoKey>;

/** Throws (zod or WebCrypto) on a malformed list: the list comes from our own storage or manifest. */
export async function importIssuerKeys(jwks: readonly unknown[]): Promise<IssuerKeyRing> {
  const list = z.array(issuerPublicJwk).max(MAX_ISSUER_KEYS).parse(jwks);
  const ring = new Map<string, CryptoKey>();
  for (const jwk of list) {
    if (ring.has(jwk.kid)) throw new Error(`duplicate issuer kid ${jwk.kid}`);
    const { kid: id, alg: _a, use: _u, ...key } = jwk;
    ring.set(id, await crypto.subtle.importKey("jwk", key, ECDSA, false, ["verify"]));
  }
  return ring;
}

/** A device key pair as the fan's browser makes it: the private half can sign but never leave. */
export function generateDeviceKey(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ECDSA, false, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

/**
 * The device public key in the core's form (SEC1 compressed, 33 bytes), from the raw export the
 * browser sends (65 bytes uncompressed, or already compressed). Imports it first, so a point off
 * the curve is refused here, at binding, never signed into a core. Null when it is not a key.
 */
export async function compressDeviceKey(raw: Uint8Array): Promise<Bytes | null> {
  try {
    await crypto.subtle.importKey("raw", Uint8Array.from(raw), ECDSA, true, ["verify"]);
  } catch {
    return null;
  }
  if (raw.length === DEVICE_KEY_BYTES && (raw[0] === 2 || raw[0] === 3)) return Uint8Array.from(raw);
  if (raw.length !== 65 || raw[0] !== 4) return null;
  return concat(Uint8Array.of(2 + ((raw[64] ?? 0) & 1)), raw.subarray(1, 33));
}

/** The verifying half of a compressed device key (workerd, Node and Chromium import compressed points). */
export function importDeviceKey(compressed: Bytes): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", compressed, ECDSA, false, ["verify"]);
}
