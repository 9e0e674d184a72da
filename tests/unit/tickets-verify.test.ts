import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBase32 } from "../../src/domain/tickets/bytes";
import { CODE_PREFIX, MAX_CODE_CHARS } from "../../src/domain/tickets/code";
import { decodeWalletCore, encodeSignedCore, nextCoreVersion, signTicketCore } from "../../src/domain/tickets/issue";
import { compressDeviceKey, generateDeviceKey, generateEventSigningKey, importIssuerKeys, importSigner } from "../../src/domain/tickets/keys";
import { isRevoked, raiseFloor, revokeTicket, supersede, type RevocationFloors } from "../../src/domain/tickets/revocations";
import { verifyTicketCode, type TicketCheck, type VerifyOptions } from "../../src/domain/tickets/verify";
import { codeAt, flipByte, issueTicket, NOW, SKEW, WINDOW, type Issued } from "./tickets-fixture";

const never = () => false;
const opts = (t: Issued, over: Partial<VerifyOptions> = {}): VerifyOptions =>
  ({ now: NOW, keys: t.keys, eventId: t.eventId, revoked: never, windowSeconds: WINDOW, skewSeconds: SKEW, ...over });
const refusal = (c: TicketCheck) => (c.ok ? "ok" : c.result);
const reason = (c: TicketCheck) => (!c.ok && "reason" in c ? c.reason : null);

describe("ticket code: the reference verifier", () => {
  it("admits a fresh code and returns the core's fields", async () => {
    const t = await issueTicket();
    const code = await codeAt(t, NOW - 2000);
    const check = await verifyTicketCode(code, opts(t));
    expect(check).toEqual({ ok: true, ticket: {
      ticketId: t.fields.ticketId, eventId: t.eventId, version: 1, kid: t.signingKey.kid, holderRef: t.fields.holderRef, label: "A구역 12열 7번",
      validFrom: t.fields.validFrom, validUntil: t.fields.validUntil, codeTimestamp: Math.floor((NOW - 2000) / 1000),
    } });
    expect(code.length).toBeLessThanOrEqual(MAX_CODE_CHARS);
    expect(code).toMatch(/^TP1:[A-Z2-7]+$/); // QR alphanumeric set only
  });

  it("refuses a code older than window + skew, admits one just inside", async () => {
    const t = await issueTicket();
    const edge = NOW - (WINDOW + SKEW) * 1000;
    expect(refusal(await verifyTicketCode(await codeAt(t, edge), opts(t)))).toBe("ok");
    const old = await verifyTicketCode(await codeAt(t, edge - 1000), opts(t));
    expect([refusal(old), reason(old)]).toEqual(["expired_code", "code_too_old"]);
    const screenshot = await verifyTicketCode(await codeAt(t, NOW - 3600_000), opts(t));
    expect(refusal(screenshot)).toBe("expired_code");
  });

  it("tolerates device clocks ahead by up to the skew, refuses beyond", async () => {
    const t = await issueTicket();
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW + SKEW * 1000), opts(t)))).toBe("ok");
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW + 5000), opts(t)))).toBe("ok");
    const ahead = await verifyTicketCode(await codeAt(t, NOW + (SKEW + 1) * 1000), opts(t));
    expect([refusal(ahead), reason(ahead)]).toEqual(["not_yet_valid", "code_from_future"]);
    // A gate whose own clock is behind sees the same code from the other side.
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, { now: NOW - (SKEW + 1) * 1000 })))).toBe("not_yet_valid");
  });

  it("refuses outside the ticket's validity, widened by the skew", async () => {
    const t = await issueTicket({ validFrom: NOW / 1000 + 600, validUntil: NOW / 1000 + 7200 });
    const early = await verifyTicketCode(await codeAt(t, NOW), opts(t));
    expect([refusal(early), reason(early)]).toEqual(["not_yet_valid", "ticket_not_started"]);
    const later = NOW + 7200_000 + (SKEW + 1) * 1000;
    const late = await verifyTicketCode(await codeAt(t, later), opts(t, { now: later }));
    expect([refusal(late), reason(late)]).toEqual(["expired_code", "ticket_ended"]);
    const atStart = NOW + (600 - SKEW) * 1000;
    expect(refusal(await verifyTicketCode(await codeAt(t, atStart), opts(t, { now: atStart })))).toBe("ok");
  });

  it("refuses a code signed by another device than the one bound in the core", async () => {
    const t = await issueTicket();
    const otherPhone = await generateDeviceKey();
    const check = await verifyTicketCode(await codeAt(t, NOW, otherPhone.privateKey), opts(t));
    expect([refusal(check), reason(check)]).toEqual(["invalid", "bad_device_signature"]);
  });

  it("refuses a tampered timestamp (the device signature covers it)", async () => {
    const t = await issueTicket();
    const code = await codeAt(t, NOW - 3600_000);
    const coreLength = t.signedCore.length;
    const check = await verifyTicketCode(flipByte(code, coreLength + 2, 0xff), opts(t));
    expect(refusal(check)).toBe("invalid");
  });

  it("refuses a tampered core: every field, and the issuer signature itself", async () => {
    const t = await issueTicket();
    const code = await codeAt(t, NOW);
    // kid is 1–4, event id 5–20 (wrong_event or unknown_key answer first; see below), the rest is covered by the signature.
    for (const at of [21, 30, 37, 40, 41, 49, 53, 56, 58, 70, 91, t.signedCore.length - 64, t.signedCore.length - 1]) {
      const check = await verifyTicketCode(flipByte(code, at), opts(t));
      expect(refusal(check), `byte ${at}`).toBe("invalid");
    }
    // The label's length byte and the device key's prefix byte break the structure itself.
    expect(reason(await verifyTicketCode(flipByte(code, 90, 0x80), opts(t)))).toBe("malformed");
    expect(refusal(await verifyTicketCode(flipByte(code, 57, 0x01), opts(t)))).toBe("invalid");
  });

  it("refuses a core re-signed with a key of the same kid that the event does not hold", async () => {
    const t = await issueTicket();
    const impostor = await generateEventSigningKey();
    const forged = await signTicketCore(t.fields, { ...(await importSigner(impostor.privateJwk)), kid: t.signingKey.kid });
    const check = await verifyTicketCode(await codeAt({ ...t, signedCore: forged }, NOW), opts(t));
    expect([refusal(check), reason(check)]).toEqual(["invalid", "bad_issuer_signature"]);
  });

  it("answers unknown_key for a kid not in the event's list, and verifies after rotation with both keys listed", async () => {
    const old = await issueTicket();
    const rotated = await generateEventSigningKey([old.signingKey.kid]);
    const fresh = await issueTicket({ eventId: old.eventId }, rotated);
    const onlyNew = await importIssuerKeys([rotated.publicJwk]);
    const check = await verifyTicketCode(await codeAt(old, NOW), opts(old, { keys: onlyNew }));
    expect(check).toEqual({ ok: false, result: "unknown_key", kid: old.signingKey.kid });
    const both = await importIssuerKeys([rotated.publicJwk, old.signingKey.publicJwk]);
    expect(refusal(await verifyTicketCode(await codeAt(old, NOW), opts(old, { keys: both })))).toBe("ok");
    expect(refusal(await verifyTicketCode(await codeAt(fresh, NOW), opts(fresh, { keys: both })))).toBe("ok");
    await expect(importIssuerKeys([old.signingKey.publicJwk, old.signingKey.publicJwk])).rejects.toThrow(/duplicate/);
  });

  it("answers wrong_event for a code of another event, even signed by a key this gate holds", async () => {
    const t = await issueTicket();
    const sameKeyOtherEvent = await issueTicket({ eventId: crypto.randomUUID() }, t.signingKey);
    const check = await verifyTicketCode(await codeAt(sameKeyOtherEvent, NOW), opts(t));
    expect(check).toEqual({ ok: false, result: "wrong_event", eventId: sameKeyOtherEvent.eventId });
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, { eventId: t.eventId.toUpperCase() })))).toBe("ok");
  });

  it("refuses a revoked core: refund revokes all versions, rebinding only the older ones", async () => {
    const t = await issueTicket();
    const floors: RevocationFloors = new Map();
    const revoked = (id: string, v: number) => isRevoked(floors, id, v);
    raiseFloor(floors, supersede(t.fields.ticketId, nextCoreVersion(1)));
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, { revoked })))).toBe("revoked");
    const { deviceKey: _oldPhone, ...sameTicket } = t.fields;
    const rebound = await issueTicket({ ...sameTicket, version: 2 }, t.signingKey); // the new phone's core
    expect(refusal(await verifyTicketCode(await codeAt(rebound, NOW), opts(rebound, { revoked })))).toBe("ok");
    raiseFloor(floors, supersede(t.fields.ticketId, 1)); // an old, lower floor arriving late changes nothing
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, { revoked })))).toBe("revoked");
    raiseFloor(floors, revokeTicket(t.fields.ticketId));
    expect(refusal(await verifyTicketCode(await codeAt(rebound, NOW), opts(rebound, { revoked })))).toBe("revoked");
  });

  it("refuses garbage and huge inputs with a typed reason, the huge one unread", async () => {
    const t = await issueTicket();
    const huge = CODE_PREFIX + "A".repeat(10_000_000);
    expect(await verifyTicketCode(huge, opts(t))).toEqual({ ok: false, result: "invalid", reason: "too_large" });
    expect(reason(await verifyTicketCode(CODE_PREFIX + "A".repeat(MAX_CODE_CHARS), opts(t)))).toBe("too_large");
    for (const junk of ["", "TP1:", "TP1:a", "hello", "TP1:0000", `${CODE_PREFIX}${toBase32(new Uint8Array(10))}`, "TP9:AAAA"]) {
      const check = await verifyTicketCode(junk, opts(t));
      expect(refusal(check), junk).toBe("invalid");
    }
    expect(reason(await verifyTicketCode("TP9:AAAA", opts(t)))).toBe("unsupported_version");
    const code = await codeAt(t, NOW);
    expect(reason(await verifyTicketCode(code.toLowerCase(), opts(t)))).toBe("malformed");
    expect(reason(await verifyTicketCode(code + "A", opts(t)))).toBe("malformed");
    expect(reason(await verifyTicketCode(code.slice(0, -8), opts(t)))).toBe("malformed");
  });

  it("never throws and never admits on arbitrary strings, arbitrary bytes or mutated valid codes (fast-check)", async () => {
    const t = await issueTicket();
    const valid = await codeAt(t, NOW);
    const o = opts(t);
    const mustRefuse = async (s: string) => {
      const check = await verifyTicketCode(s, o);
      expect(check.ok).toBe(false);
      expect(["invalid", "unknown_key", "wrong_event", "expired_code", "not_yet_valid", "revoked"]).toContain(refusal(check));
    };
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 600 }), mustRefuse), { numRuns: 300 });
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), (b) => mustRefuse(CODE_PREFIX + toBase32(b))), { numRuns: 300 });
    const bytes = valid.length;
    await fc.assert(fc.asyncProperty(fc.nat(bytes - 1), fc.constantFrom(...CODE_PREFIX + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), async (i, c) => {
      const mutated = valid.slice(0, i) + c + valid.slice(i + 1);
      if (mutated !== valid) await mustRefuse(mutated);
    }), { numRuns: 300 });
    // Every byte-length truncation of the binary form, too.
    for (let n = 0; n < valid.length; n += 7) await mustRefuse(valid.slice(0, n));
  });

  it("verifies many codes concurrently, each against its own core", async () => {
    const key = await generateEventSigningKey();
    const eventId = crypto.randomUUID();
    const tickets = await Promise.all(Array.from({ length: 40 }, () => issueTicket({ eventId }, key)));
    const keys = await importIssuerKeys([key.publicJwk]);
    const codes = await Promise.all(tickets.map((t) => codeAt(t, NOW)));
    // Every code, plus every code with its device part swapped for the next ticket's: swaps must all fail.
    const swapped = codes.map((c, i) => c.slice(0, -103) + (codes[(i + 1) % codes.length] ?? "").slice(-103));
    const results = await Promise.all([...codes, ...swapped].map((c) => verifyTicketCode(c, { ...opts(tickets[0] as Issued), keys })));
    expect(results.slice(0, 40).map((r, i) => r.ok && r.ticket.ticketId === tickets[i]?.fields.ticketId)).toEqual(Array(40).fill(true));
    expect(results.slice(40).filter((r) => r.ok)).toEqual([]);
  });
});

describe("ticket core: issuing", () => {
  it("binds only real P-256 points, compressed, and round-trips through the wallet form", async () => {
    expect(await compressDeviceKey(new Uint8Array(65).fill(4))).toBeNull();
    expect(await compressDeviceKey(new Uint8Array(12))).toBeNull();
    const t = await issueTicket();
    const wallet = decodeWalletCore(encodeSignedCore(t.signedCore));
    expect(wallet?.core).toEqual({ ...t.fields, kid: t.signingKey.kid });
    expect(decodeWalletCore(encodeSignedCore(t.signedCore) + "AA")).toBeNull();
    expect(decodeWalletCore("!!")).toBeNull();
  });

  it("refuses to sign a core the format cannot carry", async () => {
    const t = await issueTicket();
    const signer = await importSigner(t.signingKey.privateJwk);
    await expect(signTicketCore({ ...t.fields, label: "가".repeat(17) }, signer)).rejects.toThrow(/label/);
    await expect(signTicketCore({ ...t.fields, version: 0 }, signer)).rejects.toThrow(/version/);
    await expect(signTicketCore({ ...t.fields, ticketId: "nope" }, signer)).rejects.toThrow(/UUID/);
    await expect(signTicketCore({ ...t.fields, validFrom: t.fields.validUntil + 1 }, signer)).rejects.toThrow(/validity/);
  });

  it("keeps codes QR-sized: the byte length with a typical and the longest label", async () => {
    const typical = await codeAt(await issueTicket(), NOW);
    const longest = await codeAt(await issueTicket({ label: "x".repeat(48) }), NOW);
    console.log(`ticket code chars: typical label ${typical.length}, longest label ${longest.length}, max ${MAX_CODE_CHARS}`);
    expect(typical.length).toBeLessThanOrEqual(419); // what QR version 12 at level M holds in alphanumeric mode
    expect(longest.length).toBe(MAX_CODE_CHARS);
  });
});
