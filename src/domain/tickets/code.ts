/**
 * The displayed code: the signed core, the device's clock (unix seconds) and the device's
 * signature over both, re-made every few seconds by the fan's browser with its non-extractable
 * key. Text form: "TP1:" + base32 (upper case, no padding), all inside the QR alphanumeric set.
 *
 *   signed core (155 + label bytes) ‖ timestamp u32 ‖ device signature 64 (ECDSA P-256 SHA-256,
 *   r‖s, over "TP-CODE-1" ‖ signed core ‖ timestamp)
 */
import { concat, fromBase32, readU32, toBase32, u32, type Bytes } from "./bytes";
import { decodeSignedCore, MAX_SIGNED_CORE_BYTES, SIGNATURE_BYTES, type SignedCore } from "./core";
import { SIGN_PARAMS } from "./keys";

export const CODE_PREFIX = "TP1:";
export const CODE_SIGNING_TAG = new TextEncoder().encode("TP-CODE-1");
const TIMESTAMP_BYTES = 4;
export const MAX_CODE_BYTES = MAX_SIGNED_CORE_BYTES + TIMESTAMP_BYTES + SIGNATURE_BYTES;
/** The longest well-formed code; anything longer is refused before it is read. */
export const MAX_CODE_CHARS = CODE_PREFIX.length + Math.ceil((MAX_CODE_BYTES * 8) / 5);

export interface DecodedCode {
  signedCore: SignedCore;
  /** Device clock, unix seconds. */
  timestamp: number;
  /** What the device signed, tag excluded. */
  signedPart: Bytes;
  deviceSignature: Bytes;
}

/** The fan's side: a fresh code from the wallet's signed core and the device key. */
export async function makeTicketCode(signedCore: Bytes, devicePrivateKey: CryptoKey, nowMs: number): Promise<string> {
  const signedPart = concat(signedCore, u32(Math.floor(nowMs / 1000)));
  const signature = new Uint8Array(await crypto.subtle.sign(SIGN_PARAMS, devicePrivateKey, concat(CODE_SIGNING_TAG, signedPart)));
  return CODE_PREFIX + toBase32(concat(signedPart, signature));
}

export type CodeProblem = "too_large" | "malformed" | "unsupported_version";

/** Structure only, size first: a code longer than any well-formed one is refused unread. */
export function decodeTicketCode(text: string): DecodedCode | { problem: CodeProblem } {
  if (text.length > MAX_CODE_CHARS) return { problem: "too_large" };
  if (!text.startsWith(CODE_PREFIX)) return { problem: /^TP\d+:/.test(text) ? "unsupported_version" : "malformed" };
  const bytes = fromBase32(text.slice(CODE_PREFIX.length));
  if (!bytes) return { problem: "malformed" };
  const decoded = decodeSignedCore(bytes);
  if ("problem" in decoded) return decoded;
  const at = decoded.length;
  if (bytes.length !== at + TIMESTAMP_BYTES + SIGNATURE_BYTES) return { problem: "malformed" };
  return {
    signedCore: decoded.signedCore, timestamp: readU32(bytes, at),
    signedPart: bytes.slice(0, at + TIMESTAMP_BYTES), deviceSignature: bytes.slice(at + TIMESTAMP_BYTES),
  };
}
