import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideOnlineScan, mergeOfflineScans, type Presence, type QueuedScan, type RecordedScan, type SyncDecision } from "../../src/domain/tickets/offline-sync";

/** The room's side, as the check-in part will keep it: presence per ticket, scans by (gate, nonce). */
class RoomRecord {
  presence = new Map<string, Presence>();
  scans = new Map<string, RecordedScan>();
  sync(batch: QueuedScan[], reentry = false): SyncDecision[] {
    const out = mergeOfflineScans(batch, {
      presence: (id) => this.presence.get(id), recorded: (g, n) => this.scans.get(`${g}\n${n}`),
    }, { reentry });
    for (const [id, p] of out.presence) this.presence.set(id, p);
    for (const r of out.recorded) this.scans.set(`${r.scan.gateId}\n${r.scan.nonce}`, r);
    return out.decisions;
  }
  online(ticketId: string, gateId: string, at: number, reentry = false, direction: "in" | "out" = "in") {
    const { decision, next } = decideOnlineScan(this.presence.get(ticketId), { scannedAt: at, gateId, nonce: crypto.randomUUID(), direction }, { reentry });
    if (next) this.presence.set(ticketId, next);
    return decision;
  }
}

const T0 = Date.UTC(2026, 10, 27, 18, 0, 0);
const scan = (ticketId: string, gateId: string, at: number, over: Partial<QueuedScan> = {}): QueuedScan =>
  ({ ticketId, gateId, scannedAt: at, nonce: crypto.randomUUID(), direction: "in", local: "admitted", ...over });
const results = (ds: SyncDecision[]) => ds.map((d) => d.result);

describe("offline sync merge", () => {
  it("two gates admit the same ticket while cut off: one entry counted, one conflict naming the first", () => {
    const room = new RoomRecord();
    const ticket = crypto.randomUUID();
    const a = scan(ticket, "gate-a", T0 + 1000);
    const b = scan(ticket, "gate-b", T0 + 500);
    expect(room.sync([a])).toEqual([{ result: "admitted", reentry: false }]);
    expect(room.sync([b])).toEqual([{ result: "conflict", first: { scannedAt: a.scannedAt, gateId: "gate-a", nonce: a.nonce } }]);
    expect(room.presence.get(ticket)?.entries).toBe(1);
  });

  it("a replayed batch gets the same answers and changes nothing; a reused nonce with other content is rejected", () => {
    const room = new RoomRecord();
    const batch = [scan(crypto.randomUUID(), "g", T0), scan(crypto.randomUUID(), "g", T0 + 1)];
    const first = room.sync(batch);
    const snapshot = JSON.stringify([...room.presence]);
    expect(room.sync(batch)).toEqual(first);
    expect(room.sync([...batch, ...batch])).toEqual([...first, ...first]);
    expect(JSON.stringify([...room.presence])).toBe(snapshot);
    const reused = { ...batch[0], ticketId: crypto.randomUUID() } as QueuedScan;
    expect(room.sync([reused])).toEqual([{ result: "rejected", reason: "nonce_reused" }]);
    // The same nonce on another gate is another scan.
    expect(results(room.sync([{ ...reused, gateId: "h" }]))).toEqual(["admitted"]);
  });

  it("an online entry wins over a later-synced offline one, whatever the offline clock says", () => {
    const room = new RoomRecord();
    const ticket = crypto.randomUUID();
    expect(room.online(ticket, "online-gate", T0 + 60_000).result).toBe("admitted");
    expect(room.online(ticket, "other", T0 + 61_000)).toMatchObject({ result: "already_used", first: { gateId: "online-gate" } });
    expect(room.sync([scan(ticket, "offline-gate", T0)])).toMatchObject([{ result: "conflict", first: { gateId: "online-gate" } }]);
  });

  it("scans the gate refused are already_used; a gate's own double admission is a conflict", () => {
    const room = new RoomRecord();
    const ticket = crypto.randomUUID();
    const batch = [scan(ticket, "g", T0 + 2, { local: "refused" }), scan(ticket, "g", T0), scan(ticket, "g", T0 + 3)];
    expect(results(room.sync(batch))).toEqual(["already_used", "admitted", "conflict"]);
  });

  it("re-entry on: out then in admits again, in while inside is a conflict; off: direction is ignored", () => {
    const on = new RoomRecord();
    const ticket = crypto.randomUUID();
    const batch = [scan(ticket, "g", T0), scan(ticket, "g", T0 + 1, { direction: "out" }), scan(ticket, "h", T0 + 2), scan(ticket, "h", T0 + 3)];
    expect(on.sync(batch, true)).toMatchObject([{ result: "admitted", reentry: false }, { result: "exited" }, { result: "admitted", reentry: true }, { result: "conflict" }]);
    expect(on.presence.get(ticket)).toMatchObject({ inside: true, entries: 2 });
    const off = new RoomRecord();
    expect(results(off.sync(batch.map((s) => ({ ...s, nonce: crypto.randomUUID() })), false))).toEqual(["admitted", "conflict", "conflict", "conflict"]);
    expect(on.online(ticket, "g", T0 + 4, true, "out").result).toBe("exited");
    expect(on.online(ticket, "g", T0 + 5, true).result).toBe("admitted");
  });

  it("many gates syncing in any order: each ticket entered once, every other admission a conflict (fast-check)", () => {
    fc.assert(fc.property(
      fc.array(fc.record({ ticket: fc.nat(19), gate: fc.nat(9), at: fc.nat(100_000) }), { minLength: 1, maxLength: 200 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (raw, cuts) => {
        const tickets = Array.from({ length: 20 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
        const scans = raw.map((r, i) => scan(tickets[r.ticket] ?? "", `gate-${r.gate}`, T0 + r.at, { nonce: `n${i}` }));
        const room = new RoomRecord();
        const batches: QueuedScan[][] = [];
        let rest = scans;
        for (const c of cuts) {
          batches.push(rest.slice(0, c % (rest.length + 1)));
          rest = rest.slice(c % (rest.length + 1));
        }
        batches.push(rest);
        const decisions = batches.flatMap((b) => room.sync(b));
        decisions.push(...room.sync(scans)); // and the whole queue replayed: same answers, nothing new
        const admitted = decisions.slice(0, scans.length).filter((d) => d.result === "admitted").length;
        expect(admitted).toBe(new Set(raw.map((r) => r.ticket)).size);
        expect(decisions.slice(0, scans.length).filter((d) => d.result === "conflict").length).toBe(scans.length - admitted);
        expect(results(decisions.slice(scans.length))).toEqual(results(scans.map((s) => room.scans.get(`${s.gateId}\n${s.nonce}`)?.decision ?? { result: "rejected", reason: "nonce_reused" })));
        expect([...room.presence.values()].every((p) => p.entries === 1)).toBe(true);
      },
    ), { numRuns: 200 });
  });
});
