import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CODE_PREFIX, decodeTicketCode } from "../../src/domain/tickets/code";
import { generateDeviceKey, generateEventSigningKey, importIssuerKeys, importSigner } from "../../src/domain/tickets/keys";
import { signTicketCore } from "../../src/domain/tickets/issue";
import { toBase64Url } from "../../src/domain/tickets/bytes";
import { orIssuedHere, VerifiedCores } from "../../src/domain/tickets/verified-cores";
import { verifyTicketCode, type TicketCheck, type VerifyOptions } from "../../src/domain/tickets/verify";
import { codeAt, flipByte, issueTicket, NOW, SKEW, WINDOW, type Issued } from "./tickets-fixture";

// The room and the gate app remember cores whose issuer signature they checked, so a ticket's
// later reads cost one signature check instead of two. Remembering must never admit what the
// full check would refuse.

const opts = (t: Issued, cores: VerifiedCores, over: Partial<VerifyOptions> = {}): VerifyOptions =>
  ({ now: NOW, keys: t.keys, eventId: t.eventId, revoked: () => false, windowSeconds: WINDOW, skewSeconds: SKEW, cores, ...over });
const refusal = (c: TicketCheck) => (c.ok ? "ok" : c.result);
const reason = (c: TicketCheck) => (!c.ok && "reason" in c ? c.reason : null);
const parts = (code: string) => {
  const d = decodeTicketCode(code);
  if ("problem" in d) throw new Error(d.problem);
  return d.signedCore;
};

describe("verified cores: a ticket's issuer signature checked once", () => {
  it("remembers a core after its first good read, and reads it again with a fresh code", async () => {
    const t = await issueTicket();
    const cores = new VerifiedCores();
    const first = await codeAt(t, NOW - 4000);
    expect(refusal(await verifyTicketCode(first, opts(t, cores)))).toBe("ok");
    expect(cores.size).toBe(1);
    expect(cores.known(parts(first))).toBeDefined();
    const later = await verifyTicketCode(await codeAt(t, NOW), opts(t, cores));
    expect(later.ok && later.ticket.codeTimestamp).toBe(Math.floor(NOW / 1000));
    expect(cores.size).toBe(1);
  });

  it("does not remember a core whose issuer signature failed", async () => {
    const t = await issueTicket();
    const cores = new VerifiedCores();
    const forged = flipByte(await codeAt(t, NOW), t.signedCore.length - 1);
    expect(reason(await verifyTicketCode(forged, opts(t, cores)))).toBe("bad_issuer_signature");
    expect(cores.size).toBe(0);
  });

  it("still checks the phone's signature, the time, the revocation and the key on every read of a remembered core", async () => {
    const t = await issueTicket();
    const cores = new VerifiedCores();
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, cores)))).toBe("ok");
    const otherPhone = await generateDeviceKey();
    expect(reason(await verifyTicketCode(await codeAt(t, NOW, otherPhone.privateKey), opts(t, cores)))).toBe("bad_device_signature");
    expect(refusal(await verifyTicketCode(flipByte(await codeAt(t, NOW), t.signedCore.length + 2, 0xff), opts(t, cores)))).toBe("invalid");
    expect(reason(await verifyTicketCode(await codeAt(t, NOW - 3600_000), opts(t, cores)))).toBe("code_too_old");
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, cores, { revoked: () => true })))).toBe("revoked");
    // The event's key list changed (the key was retired): the remembered core no longer counts.
    const other = await importIssuerKeys([(await generateEventSigningKey()).publicJwk]);
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, cores, { keys: other })))).toBe("unknown_key");
  });

  it("a remembered signature proves nothing about another body: every changed core byte is checked in full", async () => {
    const t = await issueTicket();
    const cores = new VerifiedCores();
    const code = await codeAt(t, NOW);
    expect(refusal(await verifyTicketCode(code, opts(t, cores)))).toBe("ok");
    for (const at of [21, 30, 37, 40, 41, 49, 53, 58, 70, 91, t.signedCore.length - 64, t.signedCore.length - 1]) {
      expect(refusal(await verifyTicketCode(flipByte(code, at), opts(t, cores))), `byte ${at}`).toBe("invalid");
    }
    expect(cores.size).toBe(1);
  });

  it("never admits a mutated code, with the valid core remembered (fast-check)", async () => {
    const t = await issueTicket();
    const cores = new VerifiedCores();
    const valid = await codeAt(t, NOW);
    expect(refusal(await verifyTicketCode(valid, opts(t, cores)))).toBe("ok");
    await fc.assert(fc.asyncProperty(fc.nat(valid.length - 1), fc.constantFrom(...CODE_PREFIX + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), async (i, c) => {
      const mutated = valid.slice(0, i) + c + valid.slice(i + 1);
      if (mutated === valid) return;
      expect((await verifyTicketCode(mutated, opts(t, cores))).ok).toBe(false);
    }), { numRuns: 300 });
  });

  it("stays within its bound, dropping the core read least recently", async () => {
    const key = await generateEventSigningKey();
    const eventId = crypto.randomUUID();
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => issueTicket({ eventId }, key)));
    const cores = new VerifiedCores(2);
    const codes = await Promise.all([a, b, c].map((t) => codeAt(t as Issued, NOW)));
    for (const code of [codes[0]!, codes[1]!, codes[0]!, codes[2]!]) expect(refusal(await verifyTicketCode(code, opts(a as Issued, cores)))).toBe("ok");
    expect(cores.size).toBe(2);
    const seen = codes.map((code) => cores.known(parts(code)) !== undefined);
    expect(seen).toEqual([true, false, true]);
  });

  it("many concurrent reads of a few tickets: each admitted by the full rule, swapped phone parts refused", async () => {
    const key = await generateEventSigningKey();
    const eventId = crypto.randomUUID();
    const tickets = await Promise.all(Array.from({ length: 8 }, () => issueTicket({ eventId }, key)));
    const keys = await importIssuerKeys([key.publicJwk]);
    const cores = new VerifiedCores();
    const codes = await Promise.all(tickets.flatMap((t) => [0, 1, 2, 3, 4].map((k) => codeAt(t, NOW - k * 1000))));
    const swapped = codes.map((c, i) => c.slice(0, -103) + (codes[(i + 5) % codes.length] ?? "").slice(-103));
    const results = await Promise.all([...codes, ...swapped].map((c) => verifyTicketCode(c, opts(tickets[0] as Issued, cores, { keys }))));
    expect(results.slice(0, codes.length).every((r) => r.ok)).toBe(true);
    expect(results.slice(codes.length).filter((r) => r.ok)).toEqual([]);
    expect(cores.size).toBe(8);
  });

  it("an issuer recognises its own cores by their exact bytes: trusted at the first read; any other bytes are checked in full", async () => {
    const t = await issueTicket();
    const issued = new Set([toBase64Url(t.signedCore)]);
    const memo = new VerifiedCores();
    const cores = orIssuedHere(memo, (s) => issued.has(toBase64Url(s.signed)));
    // The bytes it stored are taken as they stand (no signature check: the key list here does not even hold the signing key's public half).
    const impostorRing = await importIssuerKeys([{ ...(await generateEventSigningKey()).publicJwk, kid: t.signingKey.kid }]);
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, new VerifiedCores())))).toBe("ok");
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), opts(t, memo, { keys: impostorRing })))).toBe("invalid");
    expect(refusal(await verifyTicketCode(await codeAt(t, NOW), { ...opts(t, memo, { keys: impostorRing }), cores }))).toBe("ok");
    expect(memo.size).toBe(1);
    // A core it never issued, even one signed with its own kid and a valid signature, is checked in full.
    const other = await signTicketCore({ ...t.fields, version: 2 }, await importSigner(t.signingKey.privateJwk));
    expect(refusal(await verifyTicketCode(await codeAt({ ...t, signedCore: other }, NOW), { ...opts(t, memo), cores }))).toBe("ok");
    expect(reason(await verifyTicketCode(await codeAt({ ...t, signedCore: other }, NOW), { ...opts(t, new VerifiedCores(), { keys: impostorRing }), cores: orIssuedHere(new VerifiedCores(), (s) => issued.has(toBase64Url(s.signed))) }))).toBe("bad_issuer_signature");
    // Changed bytes are not its own.
    expect(refusal(await verifyTicketCode(flipByte(await codeAt(t, NOW), 40), { ...opts(t, new VerifiedCores()), cores }))).toBe("invalid");
  });
});
