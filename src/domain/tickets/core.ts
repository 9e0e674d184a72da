/**
 * The issuer-signed ticket core, format 1: a fixed binary layout (big-endian), signed by one of the
 * event's ES256 keys. Everything a gate needs to admit someone is in it, so a gate verifies a
 * ticket with the event's public keys alone and holds no secret and no personal data.
 *
 *   offset size field
 *   0      1    format (1)
 *   1      4    issuer key id (kid, 8 hex characters)
 *   5      16   event id (UUID)
 *   21     16   ticket id (UUID)
 *   37     4    core version (1, 2, …): a new core for the same ticket (rebinding, transfer) gets
 *               the next version, and revoking "every version below n" kills the older ones
 *   41     8    holder ref: HMAC of the account id under an event secret (opaque, unlinkable)
 *   49     4    valid from (unix seconds)
 *   53     4    valid until (unix seconds)
 *   57     33   device public key (P-256, SEC1 compressed)
 *   90     1    label length L (0…48)
 *   91     L    seat or area label (UTF-8)
 *   91+L   64   issuer signature (ECDSA P-256 SHA-256, r‖s) over "TP-CORE-1" ‖ bytes 0…91+L
 */
import { bytesToHex, bytesToUuid, concat, hexToBytes, isUuid, readU32, u32, uuidToBytes, type Bytes } from "./bytes";

export const CORE_FORMAT = 1;
export const KID_BYTES = 4;
export const HOLDER_REF_BYTES = 8;
export const DEVICE_KEY_BYTES = 33;
export const SIGNATURE_BYTES = 64;
export const MAX_LABEL_BYTES = 48;
const FIXED_BYTES = 91;
export const MAX_SIGNED_CORE_BYTES = FIXED_BYTES + MAX_LABEL_BYTES + SIGNATURE_BYTES;
const U32_MAX = 0xffffffff;

/** Domain tags: a signature made for one purpose never verifies for another. */
export const CORE_SIGNING_TAG = new TextEncoder().encode("TP-CORE-1");

export interface TicketCore {
  kid: string;
  eventId: string;
  ticketId: string;
  version: number;
  holderRef: string;
  /** Unix seconds, inclusive. */
  validFrom: number;
  validUntil: number;
  /** SEC1 compressed P-256 point. */
  deviceKey: Bytes;
  label: string;
}

/** A core with the issuer's signature, as decoded from bytes (`signed` is the whole thing, signature included). */
export interface SignedCore {
  core: TicketCore;
  /** The bytes the issuer signed, tag excluded. */
  body: Bytes;
  signature: Bytes;
  signed: Bytes;
}

const isHex = (s: string, bytes: number) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(s);
const isU32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= U32_MAX;

/** Why a core cannot be encoded, or null when it can. */
export function coreProblem(c: TicketCore): string | null {
  if (!isHex(c.kid, KID_BYTES)) return "kid must be 8 lower-case hex characters";
  if (!isUuid(c.eventId) || !isUuid(c.ticketId)) return "event and ticket ids must be UUIDs";
  if (!isU32(c.version) || c.version < 1 || c.version === U32_MAX) return "version must be an integer from 1 to 2^32-2";
  if (!isHex(c.holderRef, HOLDER_REF_BYTES)) return "holder ref must be 16 lower-case hex characters";
  if (!isU32(c.validFrom) || !isU32(c.validUntil) || c.validFrom > c.validUntil) return "validity must be unix seconds, from <= until";
  if (c.deviceKey.length !== DEVICE_KEY_BYTES || (c.deviceKey[0] !== 2 && c.deviceKey[0] !== 3)) return "device key must be a compressed P-256 point";
  if (new TextEncoder().encode(c.label).length > MAX_LABEL_BYTES) return `label must be at most ${MAX_LABEL_BYTES} UTF-8 bytes`;
  return null;
}

/** The bytes the issuer signs. Throws on a core that `coreProblem` refuses (a programming error at this point). */
export function encodeCoreBody(c: TicketCore): Bytes {
  const problem = coreProblem(c);
  if (problem) throw new Error(`ticket core: ${problem}`);
  const label = new TextEncoder().encode(c.label);
  return concat(
    Uint8Array.of(CORE_FORMAT), hexToBytes(c.kid), uuidToBytes(c.eventId), uuidToBytes(c.ticketId), u32(c.version),
    hexToBytes(c.holderRef), u32(c.validFrom), u32(c.validUntil), c.deviceKey, Uint8Array.of(label.length), label,
  );
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a signed core at the start of `b`; returns it and how many bytes it took, or a reason.
 * Structure only: the signature is the verifier's business.
 */
export function decodeSignedCore(b: Bytes): { signedCore: SignedCore; length: number } | { problem: "malformed" | "unsupported_version" } {
  if (b.length < 1) return { problem: "malformed" };
  if (b[0] !== CORE_FORMAT) return { problem: "unsupported_version" };
  if (b.length < FIXED_BYTES) return { problem: "malformed" };
  const labelLength = b[90] ?? 0;
  const bodyLength = FIXED_BYTES + labelLength;
  if (labelLength > MAX_LABEL_BYTES || b.length < bodyLength + SIGNATURE_BYTES) return { problem: "malformed" };
  let label: string;
  try {
    label = strictUtf8.decode(b.subarray(FIXED_BYTES, bodyLength));
  } catch {
    return { problem: "malformed" };
  }
  const core: TicketCore = {
    kid: bytesToHex(b.subarray(1, 5)), eventId: bytesToUuid(b.subarray(5, 21)), ticketId: bytesToUuid(b.subarray(21, 37)),
    version: readU32(b, 37), holderRef: bytesToHex(b.subarray(41, 49)), validFrom: readU32(b, 49), validUntil: readU32(b, 53),
    deviceKey: b.slice(57, 90), label,
  };
  // Only canonical cores: anything the encoder would refuse is malformed here too.
  if (coreProblem(core)) return { problem: "malformed" };
  const length = bodyLength + SIGNATURE_BYTES;
  return { signedCore: { core, body: b.slice(0, bodyLength), signature: b.slice(bodyLength, length), signed: b.slice(0, length) }, length };
}
