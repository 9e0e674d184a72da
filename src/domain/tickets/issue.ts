/**
 * The issuer's side: sign a core for a device key, derive the opaque holder ref, and the rule for
 * replacing a core (rebinding to a new phone, transfer): the next version, with every older one
 * revoked (see revocations.ts).
 */
import { bytesToHex, concat, fromBase64Url, toBase64Url, type Bytes } from "./bytes";
import { CORE_SIGNING_TAG, decodeSignedCore, encodeCoreBody, HOLDER_REF_BYTES, type SignedCore, type TicketCore } from "./core";
import { SIGN_PARAMS, type IssuerSigner } from "./keys";

/** A fresh secret for holder refs, stored by the room next to its signing keys (base64url, 32 bytes). */
export function generateHolderSecret(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The holder as the core names them: HMAC-SHA-256(event secret, event id ‖ account id), truncated.
 * Opaque to anyone without the secret, different per event, and stable, so the platform can tell
 * whether a core is the account's without putting the account in it.
 */
export async function holderRef(holderSecret: string, eventId: string, accountId: string): Promise<string> {
  const secret = fromBase64Url(holderSecret);
  if (!secret || secret.length < 16) throw new Error("holder secret must be base64url of at least 16 bytes");
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${eventId}\n${accountId}`)));
  return bytesToHex(mac.subarray(0, HOLDER_REF_BYTES));
}

export type CoreFields = Omit<TicketCore, "kid">;

/** The signed core's bytes, as the wallet stores them and every displayed code starts. */
export async function signTicketCore(fields: CoreFields, signer: IssuerSigner): Promise<Bytes> {
  const body = encodeCoreBody({ ...fields, kid: signer.kid });
  const signature = new Uint8Array(await crypto.subtle.sign(SIGN_PARAMS, signer.privateKey, concat(CORE_SIGNING_TAG, body)));
  return concat(body, signature);
}

/** The signed core as the wallet route sends it. */
export const encodeSignedCore = toBase64Url;

/** The wallet's side: the signed core back from its base64url (structure only; null when malformed). */
export function decodeWalletCore(text: string): SignedCore | null {
  const bytes = fromBase64Url(text);
  if (!bytes) return null;
  const decoded = decodeSignedCore(bytes);
  return "signedCore" in decoded && decoded.length === bytes.length ? decoded.signedCore : null;
}

/** Version of the core that replaces one at `current` (rebinding or transfer). */
export function nextCoreVersion(current: number): number {
  return current + 1;
}
