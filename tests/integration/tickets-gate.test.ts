/**
 * Tickets and gates over HTTP against the running Worker: fans bind their phones' keys (WebCrypto,
 * as the browser does), show rotating codes, and gates scan them concurrently; offline gates sync.
 * The EventRoom must admit each ticket exactly once, whatever the concurrency.
 */
import { describe, expect, it } from "vitest";
import { api, pool, publishedEvent, register, type Session } from "../support/api";
import { entryProblems, PER_BUYER, phone, scanAtOnce, soldTickets, type Scan } from "../support/tickets";

interface Stats { tickets: number; admitted: number; inside: number; conflicts: number; scans: number }

const stats = async (organizer: Session, eventId: string) => {
  const r = await api<Stats>(`/api/events/${eventId}/check-ins`, { token: organizer.access });
  expect(r.status).toBe(200);
  return r.body;
};

describe("gates admit each ticket once", () => {
  it("1,000 concurrent scans of 200 tickets from 10 gates: one admits each ticket, every other is already_used naming it; outsiders and garbage refused", async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer, {
      seat_map: { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 2 }] }], areas: [{ name: "FLOOR", price: 1000, capacity: 200 }] },
    });
    const sold = await soldTickets(eventId, 25);
    expect(sold).toHaveLength(200);
    const makers = await pool(20, sold.map(({ fan, ticket }) => () => phone(fan, ticket.ticket_id)));
    const codes = await Promise.all(makers.map((m) => m()));

    const scans = makers.flatMap((code, i) => Array.from({ length: 5 }, (_, k) => {
      const gateId = `gate-${(i + k) % 10}`;
      return { code, ticketId: sold[i]!.ticket.ticket_id, staff: organizer, gateId, recordedAs: gateId };
    }));
    scans.sort(() => Math.random() - 0.5);
    const byTicket = await scanAtOnce(eventId, scans);
    expect(byTicket.size).toBe(200);
    expect(entryProblems(byTicket, 5)).toEqual([]);
    const after = await stats(organizer, eventId);
    expect(after.admitted).toBe(200);

    // Only this event's organizer staffs its gates: a fan and another organizer are refused.
    const fan = sold[0]!.fan;
    const other = await register("organizer");
    for (const who of [fan, other]) {
      for (const [path, body] of [[`/api/gate/${eventId}/scan`, { code: codes[0], gate_id: "g" }], [`/api/gate/${eventId}/manifest`, undefined], [`/api/gate/${eventId}/sync`, { gate_id: "g", scans: [{ ticket_id: sold[1]!.ticket.ticket_id, scanned_at: new Date().toISOString(), nonce: "nonce-0001", local: "admitted" }] }]] as const) {
        const r = await api(path, { token: who.access, ...(body ? { body } : {}) });
        expect(r.status, path).toBe(403);
      }
    }

    // Garbage and huge codes: problem+json 4xx, nothing recorded.
    for (const code of ["hello", "TP1:AAAA", `TP1:${"A".repeat(400)}`, "x".repeat(5000), `TP1:${"A".repeat(200_000)}`]) {
      const r = await api(`/api/gate/${eventId}/scan`, { token: organizer.access, body: { code, gate_id: "gate-0" } });
      expect([413, 422], code.slice(0, 20)).toContain(r.status);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await stats(organizer, eventId)).toEqual(after);
  }, 600_000);

  it("offline: two gates admit one ticket while cut off; sync counts one entry and one conflict; a replayed batch changes nothing", async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer);
    const sold = await soldTickets(eventId, 1);
    await phone(sold[0]!.fan, sold[0]!.ticket.ticket_id);
    const manifest = await api<{ ticket_count: number; cursor: number }>(`/api/gate/${eventId}/manifest`, { token: organizer.access });
    expect(manifest.status).toBe(200);
    expect(manifest.body.ticket_count).toBe(PER_BUYER);

    const ticketId = sold[0]!.ticket.ticket_id;
    const at = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    const batchA = { gate_id: "north", scans: [{ ticket_id: ticketId, scanned_at: at(60), nonce: "north-0001", local: "admitted" }] };
    const batchB = { gate_id: "south", scans: [{ ticket_id: ticketId, scanned_at: at(90), nonce: "south-0001", local: "admitted" }] };
    const a = await api<{ results: { result: string; first_scan?: { gate_id: string } | null }[] }>(`/api/gate/${eventId}/sync`, { token: organizer.access, body: batchA });
    expect(a.status).toBe(200);
    expect(a.body.results.map((r) => r.result)).toEqual(["admitted"]);
    const b = await api<{ results: { result: string; first_scan?: { gate_id: string } | null }[] }>(`/api/gate/${eventId}/sync`, { token: organizer.access, body: batchB });
    expect(b.body.results.map((r) => r.result)).toEqual(["conflict"]);
    expect(b.body.results[0]!.first_scan?.gate_id).toBe("north");
    const once = await stats(organizer, eventId);
    expect(once).toMatchObject({ admitted: 1, conflicts: 1, scans: 2 });

    // Replays, concurrent and repeated: the same answers, nothing changes.
    const replays = await Promise.all(Array.from({ length: 20 }, (_, i) => api<{ results: { result: string }[] }>(`/api/gate/${eventId}/sync`, { token: organizer.access, body: i % 2 ? batchA : batchB })));
    for (const [i, r] of replays.entries()) expect(r.body.results[0]!.result).toBe(i % 2 ? "admitted" : "conflict");
    expect(await stats(organizer, eventId)).toEqual(once);
    // The same nonce with other content is refused, not merged.
    const reused = await api<{ results: { result: string; reason?: string }[] }>(`/api/gate/${eventId}/sync`, { token: organizer.access, body: { gate_id: "north", scans: [{ ...batchA.scans[0]!, ticket_id: sold[1]!.ticket.ticket_id }] } });
    expect(reused.body.results[0]).toMatchObject({ result: "rejected", reason: "nonce_reused" });
    expect(await stats(organizer, eventId)).toEqual(once);
  }, 300_000);
});
