/**
 * What ends a ticket, over HTTP against the running Worker: a refund and an event cancellation
 * revoke its codes online at once and, through the revocation delta, offline; a confirmed booking
 * cannot be cancelled (so its tickets stay good); moving a ticket to a new phone revokes the older
 * core and is limited per day, also under concurrent binds; another account's ticket is not
 * found; the delta route refuses bad cursors.
 */
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url, bytesToUuid, readU32 } from "../../src/domain/tickets/bytes";
import { makeTicketCode } from "../../src/domain/tickets/code";
import { generateDeviceKey } from "../../src/domain/tickets/keys";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { phone, soldTickets, type Scan } from "../support/tickets";

interface Delta { from: number; to: number; revocations: string }

/** The delta's revocation floors by ticket id (16-byte id + 4-byte floor each). */
function floorsOf(d: Delta): Map<string, number> {
  const b = fromBase64Url(d.revocations);
  if (!b) throw new Error("revocations are not base64url");
  const out = new Map<string, number>();
  for (let at = 0; at < b.length; at += 20) out.set(bytesToUuid(b.subarray(at, at + 16)), readU32(b, at + 16));
  return out;
}

const smallEvent = (organizer: Session) => publishedEvent(organizer, {
  seat_map: { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 2 }] }], areas: [{ name: "FLOOR", price: 1000, capacity: 100 }] },
});

async function delta(organizer: Session, eventId: string, cursor: number): Promise<Delta> {
  const r = await api<Delta>(`/api/gate/${eventId}/revocations?cursor=${cursor}`, { token: organizer.access });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const scan = (organizer: Session, eventId: string, code: string) =>
  api<Scan>(`/api/gate/${eventId}/scan`, { token: organizer.access, body: { code, gate_id: "main" } });

describe("tickets end when their booking or event does", () => {
  it("a refund revokes every ticket of its booking: online at once, in the delta from the previous cursor and not before; other bookings untouched", async () => {
    const organizer = await register("organizer");
    const eventId = await smallEvent(organizer);
    const sold = await soldTickets(eventId, 2, 2);
    const [refunded, kept] = [sold.filter((s) => s.booking === sold[0]!.booking), sold.filter((s) => s.booking !== sold[0]!.booking)];
    const codes = await Promise.all(sold.map(async (s) => (await phone(s.fan, s.ticket.ticket_id))()));
    const before = await delta(organizer, eventId, 0);
    for (const s of refunded) expect(floorsOf(before).get(s.ticket.ticket_id) ?? 1).toBeLessThan(0xffffffff);

    const r = await api(`/api/payment/${sold[0]!.booking.booking_id}/refund`, { method: "POST", token: sold[0]!.fan.access });
    expect(r.status).toBe(202);
    // At once: the money is on its way back, so the door is closed now, not when the provider confirms.
    for (const [i, s] of sold.entries()) {
      const answer = await scan(organizer, eventId, codes[i]!);
      expect(answer.body.result, s.ticket.ticket_id).toBe(refunded.includes(s) ? "revoked" : "admitted");
    }
    const after = await delta(organizer, eventId, before.to);
    expect(after.from).toBe(before.to);
    for (const s of refunded) expect(floorsOf(after).get(s.ticket.ticket_id)).toBe(0xffffffff);
    for (const s of kept) expect(floorsOf(after).has(s.ticket.ticket_id)).toBe(false);
    // From the new cursor the revocation is old news; the wallet says void once Postgres has it.
    expect(floorsOf(await delta(organizer, eventId, after.to)).size).toBe(0);
    await eventually(async () => {
      const w = await api<{ status: string }>(`/api/tickets/${refunded[0]!.ticket.ticket_id}`, { token: refunded[0]!.fan.access });
      return w.body.status === "void" ? true : undefined;
    }, 60_000, "the wallet to show the refunded ticket void");
  }, 300_000);

  it("an event cancellation revokes every ticket at once; a confirmed booking cannot be cancelled, and its tickets still admit until then", async () => {
    const organizer = await register("organizer");
    const eventId = await smallEvent(organizer);
    const sold = await soldTickets(eventId, 3, 1);
    const codes = await Promise.all(sold.map(async (s) => (await phone(s.fan, s.ticket.ticket_id))()));
    const cancel = await api<{ code: string }>(`/api/bookings/${sold[0]!.booking.booking_id}/cancel`, { method: "POST", token: sold[0]!.fan.access });
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe("illegal_transition");
    expect((await scan(organizer, eventId, codes[0]!)).body.result).toBe("admitted");

    const before = await delta(organizer, eventId, 0);
    expect((await api(`/api/events/${eventId}/cancel`, { method: "POST", token: organizer.access })).status).toBe(200);
    for (const code of codes.slice(1)) expect((await scan(organizer, eventId, code)).body.result).toBe("revoked");
    const after = await delta(organizer, eventId, before.to);
    for (const s of sold) expect(floorsOf(after).get(s.ticket.ticket_id)).toBe(0xffffffff);
  }, 300_000);
});

describe("moving a ticket to a new phone", () => {
  it("each rebind revokes the older core; past DEVICE_BINDS_PER_DAY it is a 409 problem; concurrent binds leave exactly one valid core", async () => {
    const organizer = await register("organizer");
    const eventId = await smallEvent(organizer);
    const [first, second] = await soldTickets(eventId, 1, 2);
    const codes: string[] = [];
    let limit = 0;
    for (;;) {
      const keys = await generateDeviceKey();
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
      const r = await api<{ core: string; code?: string }>(`/api/tickets/${first!.ticket.ticket_id}/device`, { token: first!.fan.access, body: { public_key: toBase64Url(raw) } });
      if (r.status !== 200) {
        expect(r.status).toBe(409);
        expect(r.headers.get("content-type")).toContain("application/problem+json");
        expect(r.body.code).toBe("rebind_limit");
        break;
      }
      limit++;
      expect(limit).toBeLessThanOrEqual(100);
      codes.push(await makeTicketCode(fromBase64Url(r.body.core)!, keys.privateKey, Date.now()));
      // The phone before this one is dead at once.
      if (codes.length > 1) expect((await scan(organizer, eventId, codes.at(-2)!)).body.result).toBe("revoked");
    }
    expect(limit).toBeGreaterThanOrEqual(1);
    // The newest phone still works.
    expect((await scan(organizer, eventId, codes.at(-1)!)).body.result).toBe("admitted");

    // 3 × limit concurrent binds of a fresh ticket: exactly `limit` succeed with distinct versions, and only the newest admits.
    const attempts = await Promise.all(Array.from({ length: 3 * limit }, async () => {
      const keys = await generateDeviceKey();
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
      const r = await api<{ core: string; version: number; code?: string }>(`/api/tickets/${second!.ticket.ticket_id}/device`, { token: second!.fan.access, body: { public_key: toBase64Url(raw) } });
      return { r, keys };
    }));
    const bound = attempts.filter((a) => a.r.status === 200);
    expect(bound).toHaveLength(limit);
    for (const a of attempts.filter((x) => x.r.status !== 200)) expect(a.r.body.code).toBe("rebind_limit");
    expect(new Set(bound.map((a) => a.r.body.version)).size).toBe(limit);
    const newest = Math.max(...bound.map((a) => a.r.body.version));
    for (const a of bound) {
      const code = await makeTicketCode(fromBase64Url(a.r.body.core)!, a.keys.privateKey, Date.now());
      const answer = await scan(organizer, eventId, code);
      expect(answer.body.result).toBe(a.r.body.version === newest ? "admitted" : "revoked");
    }
  }, 300_000);
});

describe("another account's ticket", () => {
  it("is 404 to every other account (fans, the event's organizer), concurrently, and its data never shows", async () => {
    const organizer = await register("organizer");
    const eventId = await smallEvent(organizer);
    const [mine] = await soldTickets(eventId, 1, 1);
    const others = [await register(), await register(), organizer];
    const reads = await Promise.all(Array.from({ length: 30 }, (_, i) => api(`/api/tickets/${mine!.ticket.ticket_id}`, { token: others[i % 3]!.access })));
    for (const r of reads) {
      expect(r.status).toBe(404);
      const text = JSON.stringify(r.body);
      expect(text).not.toContain(mine!.booking.booking_id);
      expect(text).not.toContain(eventId);
    }
    const keys = await generateDeviceKey();
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
    expect((await api(`/api/tickets/${mine!.ticket.ticket_id}/device`, { token: others[0]!.access, body: { public_key: toBase64Url(raw) } })).status).toBe(404);
    const theirs = await api<{ tickets: { ticket_id: string }[] }>("/api/tickets", { token: others[0]!.access });
    expect(theirs.body.tickets.map((t) => t.ticket_id)).not.toContain(mine!.ticket.ticket_id);
    // The holder still reads it.
    expect((await api(`/api/tickets/${mine!.ticket.ticket_id}`, { token: mine!.fan.access })).status).toBe(200);
  }, 300_000);
});

describe("the revocation delta route", () => {
  it("refuses bad, huge, repeated and future cursors with a 4xx problem", async () => {
    const organizer = await register("organizer");
    const eventId = await smallEvent(organizer);
    await soldTickets(eventId, 1, 1);
    const now = await delta(organizer, eventId, 0);
    const bad = ["-1", "abc", "1.5", "1e3", String(2 ** 31 + 1), "9".repeat(400), "", "0x10", " 1", "NaN", "Infinity"];
    for (const cursor of bad) {
      const r = await api(`/api/gate/${eventId}/revocations?cursor=${encodeURIComponent(cursor)}`, { token: organizer.access });
      expect(r.status, cursor).toBeGreaterThanOrEqual(400);
      expect(r.status, cursor).toBeLessThan(500);
      expect(r.headers.get("content-type"), cursor).toContain("application/problem+json");
    }
    const repeated = await api(`/api/gate/${eventId}/revocations?cursor=0&cursor=1`, { token: organizer.access });
    expect(repeated.status).toBe(422);
    const future = await api<{ code: string }>(`/api/gate/${eventId}/revocations?cursor=${now.to + 1}`, { token: organizer.access });
    expect(future.status).toBe(409);
    expect(future.body.code).toBe("cursor_ahead");
    const unknownParam = await api(`/api/gate/${eventId}/revocations?cursor=0&since=1`, { token: organizer.access });
    expect(unknownParam.status).toBe(422);
  }, 300_000);
});
