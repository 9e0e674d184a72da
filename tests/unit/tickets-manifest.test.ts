import { describe, expect, it } from "vitest";
import { applyDelta, buildDelta, buildManifest, gateRevoked, manifestHasTicket, readManifest, type GateState } from "../../src/domain/tickets/manifest";
import { hexToBytes, toBase64Url } from "../../src/domain/tickets/bytes";
import { generateEventSigningKey, importIssuerKeys } from "../../src/domain/tickets/keys";
import { ALL_VERSIONS, revokeTicket, supersede } from "../../src/domain/tickets/revocations";
import { verifyTicketCode } from "../../src/domain/tickets/verify";
import { codeAt, issueTicket, NOW, SKEW, WINDOW } from "./tickets-fixture";

const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
const state = (json: unknown): GateState => {
  const r = readManifest(json);
  if (!r.ok) throw new Error(r.problem);
  return r.value;
};

describe("gate manifest and revocation delta", () => {
  it("a 50,000-ticket manifest stays under 1 MB of JSON and holds no personal data", async () => {
    const key = await generateEventSigningKey();
    const tickets = ids(50_000);
    const manifest = buildManifest({
      eventId: crypto.randomUUID(), generatedAt: new Date(NOW), cursor: 120, keys: [key.publicJwk], ticketIds: tickets,
      revocations: ids(500).map(revokeTicket),
    });
    const text = JSON.stringify(manifest);
    console.log(`manifest bytes for 50,000 tickets and 500 revocations: ${text.length}`);
    expect(text.length).toBeLessThanOrEqual(1_000_000);
    // Only ids, counts and public keys: no field that could carry a person, no private key part.
    const parsed = JSON.parse(text) as Record<string, unknown> & { keys: Record<string, unknown>[] };
    expect(Object.keys(parsed).sort()).toEqual(["cursor", "event_id", "format", "generated_at", "keys", "revocations", "ticket_count", "ticket_prefixes"]);
    expect(parsed.keys.map((k) => Object.keys(k).sort())).toEqual([["alg", "crv", "kid", "kty", "use", "x", "y"]]);
    const s = state(JSON.parse(text));
    expect(tickets.every((id) => manifestHasTicket(s, id))).toBe(true);
    expect(ids(2000).filter((id) => manifestHasTicket(s, id))).toEqual([]);
  });

  it("a 100-revocation delta stays under 4 KB", () => {
    const delta = buildDelta({ eventId: crypto.randomUUID(), from: 10, to: 110, revocations: ids(100).map((id) => supersede(id, 2)), added: [] });
    const bytes = JSON.stringify(delta).length;
    console.log(`delta bytes for 100 revocations: ${bytes}`);
    expect(bytes).toBeLessThanOrEqual(4096);
  });

  it("the old code is refused offline after the next delta, the new core admitted, refunds refused", async () => {
    const key = await generateEventSigningKey();
    const eventId = crypto.randomUUID();
    const sold = await issueTicket({ eventId }, key);
    const refunded = await issueTicket({ eventId }, key);
    const notInManifest = await issueTicket({ eventId }, key);
    let gate = state(buildManifest({ eventId, generatedAt: new Date(NOW), cursor: 5, keys: [key.publicJwk], ticketIds: [sold.fields.ticketId, refunded.fields.ticketId], revocations: [] }));
    const keys = await importIssuerKeys(gate.keys);
    const verify = async (t: typeof sold) => {
      const c = await verifyTicketCode(await codeAt(t, NOW), { now: NOW, keys, eventId, revoked: gateRevoked(gate), windowSeconds: WINDOW, skewSeconds: SKEW });
      return c.ok ? "ok" : c.result;
    };
    expect([await verify(sold), await verify(refunded), await verify(notInManifest)]).toEqual(["ok", "ok", "revoked"]);
    const { deviceKey: _old, ...sameTicket } = sold.fields;
    const transferred = await issueTicket({ ...sameTicket, version: 2 }, key);
    const delta = buildDelta({ eventId, from: 5, to: 8, revocations: [supersede(sold.fields.ticketId, 2), revokeTicket(refunded.fields.ticketId)], added: [notInManifest.fields.ticketId] });
    const next = applyDelta(gate, JSON.parse(JSON.stringify(delta)));
    if (!next.ok) throw new Error(next.problem);
    gate = next.value;
    expect(gate.cursor).toBe(8);
    expect([await verify(sold), await verify(transferred), await verify(refunded), await verify(notInManifest)]).toEqual(["revoked", "ok", "revoked", "ok"]);
    // Applied twice, or an older overlapping delta after it: nothing changes, nothing comes back.
    const again = applyDelta(gate, delta);
    const older = applyDelta(gate, buildDelta({ eventId, from: 3, to: 6, revocations: [supersede(sold.fields.ticketId, 1)], added: [] }));
    expect(again.ok && older.ok && again.value.floors.get(refunded.fields.ticketId) === ALL_VERSIONS && older.value.floors.get(sold.fields.ticketId) === 2 && older.value.cursor === 8).toBe(true);
  });

  it("refuses a delta that leaves a gap, of another event, or malformed; and malformed manifests", async () => {
    const key = await generateEventSigningKey();
    const eventId = crypto.randomUUID();
    const gate = state(buildManifest({ eventId, generatedAt: new Date(NOW), cursor: 5, keys: [key.publicJwk], ticketIds: ids(3), revocations: [] }));
    const problem = (r: ReturnType<typeof applyDelta>) => (r.ok ? "ok" : r.problem);
    expect(problem(applyDelta(gate, buildDelta({ eventId, from: 6, to: 9, revocations: [], added: [] })))).toMatch(/gap/);
    expect(problem(applyDelta(gate, buildDelta({ eventId: crypto.randomUUID(), from: 0, to: 9, revocations: [], added: [] })))).toMatch(/another event/);
    expect(problem(applyDelta(gate, { ...buildDelta({ eventId, from: 0, to: 9, revocations: [], added: [] }), revocations: "AAAA" }))).not.toBe("ok");
    expect(problem(applyDelta(gate, { ...buildDelta({ eventId, from: 0, to: 9, revocations: [], added: [] }), from: 9, to: 3 }))).not.toBe("ok");
    expect(problem(applyDelta(gate, "garbage"))).not.toBe("ok");
    const good = buildManifest({ eventId, generatedAt: new Date(NOW), cursor: 0, keys: [key.publicJwk], ticketIds: ids(3), revocations: [] });
    expect(readManifest({ ...good, ticket_count: 4 }).ok).toBe(false);
    expect(readManifest({ ...good, keys: [] }).ok).toBe(false);
    expect(readManifest({ ...good, keys: [{ ...key.privateJwk }] }).ok).toBe(false); // a private key never passes as a manifest key
    expect(readManifest({ ...good, ticket_prefixes: "A".repeat(10_000_000) }).ok).toBe(false);
    const descending = toBase64Url(hexToBytes("ffffffff00004000" + "0000000000004000"));
    expect(readManifest({ ...good, ticket_count: 2, ticket_prefixes: descending })).toEqual({ ok: false, problem: "ticket_prefixes must be sorted" });
    expect(readManifest(JSON.parse(JSON.stringify(good))).ok).toBe(true);
  });
});
