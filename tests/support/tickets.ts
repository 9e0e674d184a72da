/** Tickets over HTTP: fans with paid tickets as their wallets show them, and phones that show codes. */
import { expect } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/domain/tickets/bytes";
import { makeTicketCode } from "../../src/domain/tickets/code";
import { generateDeviceKey } from "../../src/domain/tickets/keys";
import { api, eventually, pool, register, type Session } from "./api";
import { checkout, hold, type Hold } from "./saga";

export interface Ticket { ticket_id: string; event_id: string; booking_id: string; status: string }
export interface Scan { result: string; ticket: { ticket_id: string } | null; first_scan?: { scanned_at: string; gate_id: string } }

/** `buyers` fans, each with `perBuyer` paid general-admission tickets (area FLOOR), as their wallets show them. */
export async function soldTickets(eventId: string, buyers: number, perBuyer = 8, fans?: Session[]): Promise<{ fan: Session; ticket: Ticket; booking: Hold }[]> {
  const bought = await pool(8, Array.from({ length: buyers }, (_, i) => async () => {
    const fan = fans?.[i] ?? await register();
    const booking = await hold(fan, eventId, { area: "FLOOR", quantity: perBuyer });
    await checkout(booking);
    return { fan, booking };
  }));
  const wallets = await pool(8, bought.map(({ fan, booking }) => () => eventually(async () => {
    const r = await api<{ tickets: Ticket[] }>("/api/tickets", { token: fan.access });
    expect(r.status).toBe(200);
    const mine = r.body.tickets.filter((t) => t.booking_id === booking.booking_id);
    return mine.length === perBuyer ? mine.map((ticket) => ({ fan, ticket, booking })) : undefined;
  }, 90_000, "the wallet")));
  return wallets.flat();
}

/** Binds a fresh phone key to the ticket and returns a code maker for that phone. */
export async function phone(fan: Session, ticketId: string): Promise<() => Promise<string>> {
  const keys = await generateDeviceKey();
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
  const r = await api<{ core: string; version: number }>(`/api/tickets/${ticketId}/device`, { token: fan.access, body: { public_key: toBase64Url(raw) } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const core = fromBase64Url(r.body.core);
  if (!core) throw new Error("core is not base64url");
  return () => makeTicketCode(core, keys.privateKey, Date.now());
}
