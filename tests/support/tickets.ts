import { expect } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/domain/tickets/bytes";
import { makeTicketCode } from "../../src/domain/tickets/code";
import { generateDeviceKey } from "../../src/domain/tickets/keys";
import { api, eventually, type Session } from "./api";
import { checkout, hold } from "./saga";

/** Tickets over HTTP as a fan's browser and a gate use them (the WebCrypto calls the web app makes). */
export interface WalletTicket { ticket_id: string; event_id: string; booking_id: string; item_id: string; status: string; transferred_at?: string }
export interface ScanAnswer { result: string; reason?: string; ticket: { ticket_id: string; version: number } | null; first_scan?: { scanned_at: string; gate_id: string } }

export async function wallet(fan: Session, eventId: string): Promise<WalletTicket[]> {
  const r = await api<{ tickets: WalletTicket[] }>("/api/tickets", { token: fan.access });
  expect(r.status).toBe(200);
  return r.body.tickets.filter((t) => t.event_id === eventId);
}

/** Waits until `fan`'s wallet shows `check` true for this event's tickets (Postgres follows the room's outbox). */
export function walletWhen(fan: Session, eventId: string, check: (ts: WalletTicket[]) => boolean, what: string): Promise<WalletTicket[]> {
  return eventually(async () => {
    const ts = await wallet(fan, eventId);
    return check(ts) ? ts : undefined;
  }, 90_000, what);
}

/** `quantity` paid general-admission tickets of `area`, as the fan's wallet shows them. */
export async function buyTickets(fan: Session, eventId: string, quantity: number, area = "FLOOR"): Promise<{ bookingId: string; tickets: WalletTicket[] }> {
  const h = await hold(fan, eventId, { area, quantity });
  await checkout(h);
  const tickets = await walletWhen(fan, eventId, (ts) => ts.filter((t) => t.booking_id === h.booking_id).length === quantity, "the wallet");
  return { bookingId: h.booking_id, tickets: tickets.filter((t) => t.booking_id === h.booking_id) };
}

/** Binds a fresh phone key to the ticket; returns the bind's answer and, when bound, a code maker for that phone. */
export async function bindPhone(fan: Session, ticketId: string): Promise<{ status: number; code: (() => Promise<string>) | null; version: number | null }> {
  const keys = await generateDeviceKey();
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
  const r = await api<{ core: string; version: number }>(`/api/tickets/${ticketId}/device`, { token: fan.access, body: { public_key: toBase64Url(raw) } });
  if (r.status !== 200) return { status: r.status, code: null, version: null };
  const core = fromBase64Url(r.body.core);
  if (!core) throw new Error("core is not base64url");
  return { status: 200, code: () => makeTicketCode(core, keys.privateKey, Date.now()), version: r.body.version };
}

export async function phone(fan: Session, ticketId: string): Promise<() => Promise<string>> {
  const b = await bindPhone(fan, ticketId);
  if (!b.code) throw new Error(`binding failed: ${b.status}`);
  return b.code;
}

export async function scan(organizer: Session, eventId: string, code: string, gate = "gate-1"): Promise<ScanAnswer> {
  const r = await api<ScanAnswer>(`/api/gate/${eventId}/scan`, { token: organizer.access, body: { code, gate_id: gate } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
