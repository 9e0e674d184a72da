/**
 * The gate app's offline decisions (web/src/gate): the reference verifier against a real manifest,
 * then the online rule against the device's own log; and the figures the page shows after a sync.
 * Real keys and codes (WebCrypto in workerd), no mocks.
 */
import { describe, expect, it } from "vitest";
import { applyDelta, buildDelta, buildManifest, gateRevoked, readManifest, type GateState } from "../../src/domain/tickets/manifest";
import { revokeTicket } from "../../src/domain/tickets/revocations";
import { verifyTicketCode } from "../../src/domain/tickets/verify";
import { fromRoom, isGreen, type GateAnswer } from "../../web/src/gate/answer";
import type { ScanRecord } from "../../web/src/gate/gate-db";
import { decideOffline, gateFigures, unsynced } from "../../web/src/gate/scan-log";
import { codeAt, issueTicket, NOW, SKEW, WINDOW, type Issued } from "./tickets-fixture";

function stateFor(t: Issued): GateState {
  const read = readManifest(buildManifest({ eventId: t.eventId, generatedAt: new Date(NOW), cursor: 3, keys: [t.signingKey.publicJwk], ticketIds: [t.fields.ticketId], revocations: [] }));
  if (!read.ok) throw new Error(read.problem);
  return read.value;
}

/** One offline read at a gate, as the station does it: verify (async), then decide and log in one synchronous step. */
async function offlineRead(t: Issued, state: GateState, log: ScanRecord[], code: string, gateId: string, at: number): Promise<GateAnswer> {
  const check = await verifyTicketCode(code, { now: at, keys: t.keys, eventId: t.eventId, revoked: gateRevoked(state), windowSeconds: WINDOW, skewSeconds: SKEW });
  const { answer, record } = decideOffline(check, log, { eventId: t.eventId, gateId, nonce: crypto.randomUUID(), at });
  if (record) log.push(record);
  return answer;
}

describe("the gate app decides offline", () => {
  it("admits a ticket once per device: of 50 reads racing (fresh codes, two gate ids) one admits, every other is already used naming it", async () => {
    const t = await issueTicket();
    const state = stateFor(t);
    const log: ScanRecord[] = [];
    const codes = await Promise.all(Array.from({ length: 50 }, (_, i) => codeAt(t, NOW + i * 100)));
    const answers = await Promise.all(codes.map((c, i) => offlineRead(t, state, log, c, i % 2 ? "east" : "west", NOW + i * 100)));
    const admitted = answers.filter((a) => a.verdict === "admitted");
    expect(admitted).toHaveLength(1);
    expect(admitted[0]).toMatchObject({ offline: true, label: "A구역 12열 7번", ticketId: t.fields.ticketId });
    expect(isGreen(admitted[0]!)).toBe(true);
    const first = log.find((r) => r.outcome === "admitted");
    for (const a of answers.filter((x) => x.verdict !== "admitted")) {
      expect(a.verdict).toBe("already_used");
      expect(a.first).toEqual({ at: first?.at, gateId: first?.gateId });
      expect(isGreen(a)).toBe(false);
    }
    expect(log.filter((r) => r.outcome === "admitted")).toHaveLength(1);
    expect(unsynced(log)).toHaveLength(50);
  });

  it("a ticket this device saw admitted online is already used offline too", async () => {
    const t = await issueTicket();
    const log: ScanRecord[] = [{ nonce: "n-online-1", eventId: t.eventId, gateId: "north", ticketId: t.fields.ticketId, label: "x", at: NOW - 60_000, mode: "online", outcome: "admitted" }];
    const a = await offlineRead(t, stateFor(t), log, await codeAt(t, NOW), "north", NOW);
    expect(a).toMatchObject({ verdict: "already_used", first: { at: NOW - 60_000, gateId: "north" } });
    expect(unsynced(log)).toHaveLength(1); // the refusal syncs (as `refused`), the online admit never does
  });

  it("refuses with the verifier's reason: revoked after a delta, expired and future codes, another event, garbage, another phone", async () => {
    const t = await issueTicket();
    let state = stateFor(t);
    const log: ScanRecord[] = [];
    const other = await issueTicket();
    const stranger = await issueTicket({ eventId: t.eventId }, t.signingKey); // same event and key, a ticket the manifest does not list
    const cases: [string, string, Partial<GateAnswer>][] = [
      ["garbage", "hello", { verdict: "invalid", reason: "malformed" }],
      ["too old", await codeAt(t, NOW - (WINDOW + SKEW + 5) * 1000), { verdict: "expired_code", reason: "code_too_old" }],
      ["from the future", await codeAt(t, NOW + (SKEW + 5) * 1000), { verdict: "not_yet_valid", reason: "code_from_future" }],
      ["another event", await codeAt(other, NOW), { verdict: "wrong_event" }],
      ["another phone", await codeAt(t, NOW, other.device.privateKey), { verdict: "invalid", reason: "bad_device_signature" }],
      ["not in the manifest", await codeAt(stranger, NOW), { verdict: "revoked" }],
    ];
    for (const [what, code, want] of cases) expect(await offlineRead(t, state, log, code, "east", NOW), what).toMatchObject({ ...want, offline: true });
    const delta = applyDelta(state, buildDelta({ eventId: t.eventId, from: 3, to: 4, revocations: [revokeTicket(t.fields.ticketId)], added: [] }));
    if (!delta.ok) throw new Error(delta.problem);
    state = delta.value;
    expect(await offlineRead(t, state, log, await codeAt(t, NOW), "east", NOW)).toMatchObject({ verdict: "revoked", offline: true });
    expect(log).toEqual([]); // nothing refused for these reasons is queued
  });
});

describe("the gate app's answers and figures", () => {
  it("maps the room's answers: already used names the first scan, wrong event is its own verdict", () => {
    const ticket = { ticket_id: crypto.randomUUID(), label: "FLOOR #1", version: 2 };
    expect(fromRoom({ result: "already_used", ticket, first_scan: { scanned_at: new Date(NOW).toISOString(), gate_id: "north" } }, NOW + 5))
      .toEqual({ verdict: "already_used", at: NOW + 5, offline: false, label: "FLOOR #1", ticketId: ticket.ticket_id, first: { at: NOW, gateId: "north" } });
    expect(fromRoom({ result: "invalid", reason: "wrong_event", ticket: null }, NOW).verdict).toBe("wrong_event");
    expect(fromRoom({ result: "invalid", reason: "bad_device_signature", ticket: null }, NOW)).toMatchObject({ verdict: "invalid", reason: "bad_device_signature" });
  });

  it("after a sync, a conflict is no entry of this gate; pending, rejected and other gates' scans are counted apart", () => {
    const rec = (over: Partial<ScanRecord>): ScanRecord => ({ nonce: crypto.randomUUID(), eventId: "e", gateId: "east", ticketId: crypto.randomUUID(), label: "L", at: NOW, mode: "offline", outcome: "admitted", ...over });
    const log = [
      rec({ mode: "online" }),
      rec({ sync: { result: "admitted" } }),
      rec({ sync: { result: "conflict", first: { at: NOW - 1, gateId: "west" } } }),
      rec({}),
      rec({ outcome: "already_used", sync: { result: "already_used" } }),
      rec({ sync: { result: "rejected", reason: "nonce_reused" } }),
      rec({ gateId: "west" }),
    ];
    const f = gateFigures(log, "east");
    expect(f.entries).toBe(3);
    expect(f.pending).toBe(1);
    expect(f.conflicts.map((c) => c.sync?.first?.gateId)).toEqual(["west"]);
    expect(f.rejected).toBe(1);
    expect(gateFigures(log, "west")).toMatchObject({ entries: 1, pending: 1, conflicts: [], rejected: 0 });
  });
});
