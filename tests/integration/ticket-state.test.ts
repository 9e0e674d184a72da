/**
 * GET /api/tickets/{id}/state, what the wallet page polls: the room's live view of one ticket
 * (used, refunded, the newest core version), for its holder only. Read while gates scan and phones
 * rebind concurrently, it never shows a ticket used before its admission, never loses it after,
 * and names the version of the one core still valid.
 */
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/domain/tickets/bytes";
import { makeTicketCode } from "../../src/domain/tickets/code";
import { generateDeviceKey } from "../../src/domain/tickets/keys";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { checkout, hold } from "../support/saga";

interface Ticket { ticket_id: string; event_id: string }
interface State { ticket_id: string; status: string; version: number; checked_in_at: string | null }

async function paidTicket(organizer: Session): Promise<{ fan: Session; eventId: string; ticket: Ticket; bookingId: string }> {
  const eventId = await publishedEvent(organizer, { seat_map: { sections: [], areas: [{ name: "FLOOR", price: 1000, capacity: 20 }] } });
  const fan = await register();
  const held = await hold(fan, eventId, { area: "FLOOR", quantity: 1 });
  await checkout(held);
  const ticket = await eventually(async () => {
    const r = await api<{ tickets: Ticket[] }>("/api/tickets", { token: fan.access });
    return r.body.tickets.find((t) => t.event_id === eventId);
  }, 90_000, "the ticket in the wallet");
  return { fan, eventId, ticket, bookingId: held.booking_id };
}

async function bind(fan: Session, ticketId: string): Promise<{ status: number; version: number; code: () => Promise<string> }> {
  const keys = await generateDeviceKey();
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
  const r = await api<{ core: string; version: number }>(`/api/tickets/${ticketId}/device`, { token: fan.access, body: { public_key: toBase64Url(raw) } });
  const core = r.status === 200 ? fromBase64Url(r.body.core) : null;
  return { status: r.status, version: r.body.version, code: () => (core ? makeTicketCode(core, keys.privateKey, Date.now()) : Promise.reject(new Error("not bound"))) };
}

const state = (who: Session, ticketId: string) => api<State>(`/api/tickets/${ticketId}/state`, { token: who.access });

describe("the wallet's ticket state", () => {
  it("polled by many readers while 10 gates scan at once: valid until the one admission, used (with its time) after, never back", async () => {
    const organizer = await register("organizer");
    const { fan, eventId, ticket } = await paidTicket(organizer);
    const fresh = await state(fan, ticket.ticket_id);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ ticket_id: ticket.ticket_id, status: "valid", version: 0, checked_in_at: null });

    const phone = await bind(fan, ticket.ticket_id);
    expect(phone.status).toBe(200);
    const code = await phone.code();
    let admittedAt = Number.POSITIVE_INFINITY;
    const reads: { at: number; done: number; body: State }[] = [];
    let scanning = true;
    const readers = Array.from({ length: 8 }, async () => {
      while (scanning) {
        const at = Date.now();
        const r = await state(fan, ticket.ticket_id);
        expect(r.status).toBe(200);
        reads.push({ at, done: Date.now(), body: r.body });
      }
    });
    const scans = await Promise.all(Array.from({ length: 10 }, async (_, g) => {
      const r = await api<{ result: string }>(`/api/gate/${eventId}/scan`, { token: organizer.access, body: { code, gate_id: `gate-${g}` } });
      expect(r.status).toBe(200);
      if (r.body.result === "admitted") admittedAt = Math.min(admittedAt, Date.now());
      return r.body.result;
    }));
    scanning = false;
    await Promise.all(readers);
    expect(scans.filter((s) => s === "admitted")).toHaveLength(1);
    expect(scans.filter((s) => s === "already_used")).toHaveLength(9);

    const after = await state(fan, ticket.ticket_id);
    expect(after.body.status).toBe("used");
    expect(after.body.version).toBe(1);
    expect(after.body.checked_in_at).not.toBeNull();
    // Every read is valid or used, each with the version bound; a read started after one was answered used never sees valid.
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) {
      expect(["valid", "used"]).toContain(r.body.status);
      expect(r.body.version).toBe(1);
      if (r.body.status === "used") expect(r.body.checked_in_at).toBe(after.body.checked_in_at);
    }
    const firstUsed = Math.min(...reads.filter((r) => r.body.status === "used").map((r) => r.done));
    expect(reads.filter((r) => r.at > firstUsed && r.body.status === "valid")).toEqual([]);
    expect(Number.isFinite(admittedAt)).toBe(true);
  });

  it("three phones binding at once: the state names the newest core's version, the only one a gate admits", async () => {
    const organizer = await register("organizer");
    const { fan, eventId, ticket } = await paidTicket(organizer);
    const phones = await Promise.all(Array.from({ length: 3 }, () => bind(fan, ticket.ticket_id)));
    const bound = phones.filter((p) => p.status === 200);
    expect(bound.length).toBeGreaterThan(0);
    const newest = Math.max(...bound.map((p) => p.version));
    expect(new Set(bound.map((p) => p.version)).size).toBe(bound.length);
    expect((await state(fan, ticket.ticket_id)).body).toMatchObject({ status: "valid", version: newest });
    for (const p of bound) {
      const r = await api<{ result: string }>(`/api/gate/${eventId}/scan`, { token: organizer.access, body: { code: await p.code(), gate_id: "g" } });
      expect(r.body.result).toBe(p.version === newest ? "admitted" : "revoked");
    }
  });

  it("is the holder's only: another fan gets 404 (not 403: ids do not leak), no token gets 401; the event cancelled (refunded) shows void", async () => {
    const organizer = await register("organizer");
    const { fan, ticket, eventId } = await paidTicket(organizer);
    const stranger = await register();
    const answers = await Promise.all(Array.from({ length: 10 }, () => state(stranger, ticket.ticket_id)));
    for (const r of answers) expect(r.status).toBe(404);
    expect((await api(`/api/tickets/${ticket.ticket_id}/state`)).status).toBe(401);
    expect((await api(`/api/tickets/${crypto.randomUUID()}/state`, { token: fan.access })).status).toBe(404);
    expect((await api(`/api/tickets/not-a-uuid/state`, { token: fan.access })).status).toBe(404); // as GET /api/tickets/{id}
    // The organizer cancels the event: its bookings are refunded, their tickets void.
    const cancel = await api(`/api/events/${eventId}/cancel`, { method: "POST", token: organizer.access });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    await eventually(async () => ((await state(fan, ticket.ticket_id)).body.status === "void" ? true : undefined), 60_000, "the refunded ticket shown void");
  });
});
