/**
 * The reference verifier, shared by the Worker (online scans) and the gate app (offline): a code
 * is admitted material when its core is signed by one of the event's keys, the device bound in
 * that core signed a fresh timestamp, the ticket is inside its validity and its core is not
 * revoked. Pure apart from WebCrypto; time comes in as `now`.
 *
 * Order: size first (a huge input costs nothing), then structure, event and key id (cheap,
 * unauthenticated diagnostics), then both signatures, and only then the time and revocation
 * checks: every refusal after the signatures is a statement about an authentic core.
 */
import { concat } from "./bytes";
import { CORE_SIGNING_TAG } from "./core";
import { CODE_SIGNING_TAG, decodeTicketCode, type CodeProblem } from "./code";
import { SIGN_PARAMS, type IssuerKeyRing } from "./keys";
import { importedDeviceKey, type KnownCores } from "./verified-cores";

/** How long a displayed code lives, and the clock difference tolerated either way: what the room and every gate use. */
export const CODE_WINDOW_SECONDS = 30;
export const CLOCK_SKEW_SECONDS = 30;

export interface VerifyOptions {
  /** Epoch milliseconds of the verifier's clock. */
  now: number;
  keys: IssuerKeyRing;
  eventId: string;
  /** True when this core (ticket id, core version) must not be admitted; see revocations.ts. */
  revoked: (ticketId: string, version: number) => boolean;
  /** How old a code may be (a screenshot dies after this). */
  windowSeconds: number;
  /** How far the device clock may differ from ours, either way. */
  skewSeconds: number;
  /** Cores known authentic (verified-cores.ts): their issuer signature is not checked again. */
  cores?: KnownCores;
}

export interface VerifiedTicket {
  ticketId: string;
  eventId: string;
  version: number;
  kid: string;
  holderRef: string;
  label: string;
  validFrom: number;
  validUntil: number;
  /** The device clock when the code was made (unix seconds). */
  codeTimestamp: number;
}

export type InvalidReason = CodeProblem | "bad_issuer_signature" | "bad_device_signature";

export type TicketCheck =
  | { ok: true; ticket: VerifiedTicket }
  | { ok: false; result: "invalid"; reason: InvalidReason }
  | { ok: false; result: "unknown_key"; kid: string }
  | { ok: false; result: "wrong_event"; eventId: string }
  | { ok: false; result: "revoked"; ticket: VerifiedTicket }
  | { ok: false; result: "expired_code"; reason: "code_too_old" | "ticket_ended"; ticket: VerifiedTicket }
  | { ok: false; result: "not_yet_valid"; reason: "code_from_future" | "ticket_not_started"; ticket: VerifiedTicket };

export type TicketRefusal = Extract<TicketCheck, { ok: false }>["result"];

async function verifies(key: CryptoKey | Promise<CryptoKey>, signature: Uint8Array<ArrayBuffer>, message: Uint8Array<ArrayBuffer>): Promise<boolean> {
  try {
    return await crypto.subtle.verify(SIGN_PARAMS, await key, signature, message);
  } catch {
    return false;
  }
}

/**
 * A code is accepted when its timestamp t (device clock) satisfies
 * now − window − skew ≤ t ≤ now + skew, and now is within the ticket's validity widened by skew.
 */
export async function verifyTicketCode(code: string, o: VerifyOptions): Promise<TicketCheck> {
  const decoded = decodeTicketCode(code);
  if ("problem" in decoded) return { ok: false, result: "invalid", reason: decoded.problem };
  const { core, body, signature } = decoded.signedCore;
  if (core.eventId !== o.eventId.toLowerCase()) return { ok: false, result: "wrong_event", eventId: core.eventId };
  const issuerKey = o.keys.get(core.kid);
  if (!issuerKey) return { ok: false, result: "unknown_key", kid: core.kid };
  let deviceKey = o.cores?.known(decoded.signedCore);
  if (!deviceKey) {
    if (!(await verifies(issuerKey, signature, concat(CORE_SIGNING_TAG, body)))) return { ok: false, result: "invalid", reason: "bad_issuer_signature" };
    deviceKey = importedDeviceKey(decoded.signedCore);
    o.cores?.verified(decoded.signedCore, deviceKey);
  }
  if (!(await verifies(deviceKey, decoded.deviceSignature, concat(CODE_SIGNING_TAG, decoded.signedPart)))) {
    return { ok: false, result: "invalid", reason: "bad_device_signature" };
  }
  const ticket: VerifiedTicket = {
    ticketId: core.ticketId, eventId: core.eventId, version: core.version, kid: core.kid, holderRef: core.holderRef,
    label: core.label, validFrom: core.validFrom, validUntil: core.validUntil, codeTimestamp: decoded.timestamp,
  };
  if (o.revoked(core.ticketId, core.version)) return { ok: false, result: "revoked", ticket };
  const now = o.now / 1000;
  if (now < core.validFrom - o.skewSeconds) return { ok: false, result: "not_yet_valid", reason: "ticket_not_started", ticket };
  if (now > core.validUntil + o.skewSeconds) return { ok: false, result: "expired_code", reason: "ticket_ended", ticket };
  const age = now - decoded.timestamp;
  if (age < -o.skewSeconds) return { ok: false, result: "not_yet_valid", reason: "code_from_future", ticket };
  if (age > o.windowSeconds + o.skewSeconds) return { ok: false, result: "expired_code", reason: "code_too_old", ticket };
  return { ok: true, ticket };
}
