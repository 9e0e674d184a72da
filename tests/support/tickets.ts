/**
 * Tickets over HTTP as a fan's browser and a gate use them (the WebCrypto calls the web app
 * makes): fans with paid tickets as their wallets show them, and phones that show codes. No test
 * runner's expect here, so vitest and Playwright share it: a wrong answer throws.
 */
import { fromBase64Url, toBase64Url } from "../../src/domain/tickets/bytes";
import { makeTicketCode } from "../../src/domain/tickets/code";
import { generateDeviceKey } from "../../src/domain/tickets/keys";
import { api, eventually, pool, register, type Session } from "./api";
import { checkout, hold, type Hold } from "./saga";

/** booking_id is null on a ticket given to this account (the booking is the buyer's). */
export interface WalletTicket { ticket_id: string; event_id: string; booking_id: string | null; item_id: string; status: string; transferred_at?: string }
export type Ticket = WalletTicket;
export interface ScanAnswer { result: string; reason?: string; ticket: { ticket_id: string; version: number } | null; first_scan?: { scanned_at: string; gate_id: string } }
export type Scan = ScanAnswer;

/** Tickets each buyer of soldTickets gets by default. */
export const PER_BUYER = 8;

const ok = <T>(r: { status: number; body: T }, what: string, status = 200): T => {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

export async function wallet(fan: Session, eventId: string): Promise<WalletTicket[]> {
  const body = ok(await api<{ tickets: WalletTicket[] }>("/api/tickets", { token: fan.access }), "the wallet");
  return body.tickets.filter((t) => t.event_id === eventId);
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

/** `buyers` fans (new ones unless given), each with `perBuyer` paid general-admission tickets (area FLOOR), as their wallets show them. */
export async function soldTickets(eventId: string, buyers: number, perBuyer = PER_BUYER, fans?: Session[]): Promise<{ fan: Session; ticket: Ticket; booking: Hold }[]> {
  const bought = await pool(8, Array.from({ length: buyers }, (_, i) => async () => {
    const fan = fans?.[i] ?? await register();
    const booking = await hold(fan, eventId, { area: "FLOOR", quantity: perBuyer });
    await checkout(booking);
    return { fan, booking };
  }));
  const wallets = await pool(8, bought.map(({ fan, booking }) => () => eventually(async () => {
    const mine = (await wallet(fan, eventId)).filter((t) => t.booking_id === booking.booking_id);
    return mine.length === perBuyer ? mine.map((ticket) => ({ fan, ticket, booking })) : undefined;
  }, 90_000, "the wallet")));
  return wallets.flat();
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

/** Binds a fresh phone key to the ticket and returns a code maker for that phone (each call signs the time of the call). */
export async function phone(fan: Session, ticketId: string): Promise<() => Promise<string>> {
  const b = await bindPhone(fan, ticketId);
  if (!b.code) throw new Error(`binding a phone: ${b.status}`);
  return b.code;
}

export async function scan(staff: Pick<Session, "access">, eventId: string, code: string, gate = "gate-1"): Promise<ScanAnswer> {
  return ok(await api<ScanAnswer>(`/api/gate/${eventId}/scan`, { token: staff.access, body: { code, gate_id: gate } }), "a scan");
}

/** One read at a door: the phone's code maker, whose gate scans it, and how the room should name that gate. */
export interface DoorScan { ticketId: string; code: () => Promise<string>; staff: Pick<Session, "access">; gateId: string; recordedAs: string }

/**
 * All the scans at once, each showing the phone's code as signed at that moment; a code that
 * outlived its window in a long queue (a busy machine) is shown afresh and scanned again, as at a
 * real door. Answers grouped by ticket, with the gate each came from.
 */
export async function scanAtOnce(eventId: string, scans: DoorScan[]): Promise<Map<string, { recordedAs: string; answer: ScanAnswer }[]>> {
  const answers = await Promise.all(scans.map(async (s) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await scan(s.staff, eventId, await s.code(), s.gateId);
      if (answer.ticket?.ticket_id !== s.ticketId) throw new Error(`a scan of ${s.ticketId} answered about ${JSON.stringify(answer.ticket)}`);
      if (answer.result !== "expired_code" || attempt === 5) return { s, answer };
    }
  }));
  const byTicket = new Map<string, { recordedAs: string; answer: ScanAnswer }[]>();
  for (const { s, answer } of answers) byTicket.set(s.ticketId, [...(byTicket.get(s.ticketId) ?? []), { recordedAs: s.recordedAs, answer }]);
  return byTicket;
}

/** What breaks "each ticket let in once": per ticket, one admission and every other read already_used naming it. */
export function entryProblems(byTicket: Map<string, { recordedAs: string; answer: ScanAnswer }[]>, readsPerTicket: number): string[] {
  const problems: string[] = [];
  for (const [ticketId, seen] of byTicket) {
    const admitted = seen.filter((x) => x.answer.result === "admitted");
    const used = seen.filter((x) => x.answer.result === "already_used");
    if (admitted.length !== 1 || used.length !== readsPerTicket - 1) {
      problems.push(`${ticketId}: ${seen.map((x) => x.answer.result).sort().join(", ")}`);
      continue;
    }
    const named = new Set(used.map((x) => `${x.answer.first_scan?.gate_id}@${x.answer.first_scan?.scanned_at}`));
    if (named.size !== 1) problems.push(`${ticketId}: refusals name different first scans: ${[...named].join(", ")}`);
    if (used[0]?.answer.first_scan?.gate_id !== admitted[0]?.recordedAs) problems.push(`${ticketId}: first scan named ${used[0]?.answer.first_scan?.gate_id}, admitted at ${admitted[0]?.recordedAs}`);
  }
  return problems;
}
