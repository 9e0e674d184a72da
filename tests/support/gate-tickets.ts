/** Paid tickets in fans' wallets and phones that show their codes, for gate and check-in tests (vitest and Playwright alike: no test runner's expect here). */
import { fromBase64Url, toBase64Url } from "../../src/domain/tickets/bytes";
import { makeTicketCode } from "../../src/domain/tickets/code";
import { generateDeviceKey } from "../../src/domain/tickets/keys";
import { api, eventually, pool, register, type Session } from "./api";
import { checkout, hold } from "./saga";

export interface Ticket { ticket_id: string; event_id: string; status: string }

export const PER_BUYER = 8;

/** `buyers` fans, each with 8 paid general-admission tickets (area FLOOR), as their wallets show them. */
export async function soldTickets(eventId: string, buyers: number): Promise<{ fan: Session; ticket: Ticket }[]> {
  const fans = await pool(8, Array.from({ length: buyers }, () => async () => {
    const fan = await register();
    await checkout(await hold(fan, eventId, { area: "FLOOR", quantity: PER_BUYER }));
    return fan;
  }));
  const wallets = await pool(8, fans.map((fan) => () => eventually(async () => {
    const r = await api<{ tickets: Ticket[] }>("/api/tickets", { token: fan.access });
    if (r.status !== 200) throw new Error(`wallet: ${r.status}`);
    const mine = r.body.tickets.filter((t) => t.event_id === eventId);
    return mine.length === PER_BUYER ? mine.map((ticket) => ({ fan, ticket })) : undefined;
  }, 90_000, "the wallet")));
  return wallets.flat();
}

/** Binds a fresh phone key to the ticket and returns a code maker for that phone. */
export async function phone(fan: Session, ticketId: string): Promise<() => Promise<string>> {
  const keys = await generateDeviceKey();
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
  const r = await api<{ core: string; version: number }>(`/api/tickets/${ticketId}/device`, { token: fan.access, body: { public_key: toBase64Url(raw) } });
  if (r.status !== 200) throw new Error(`binding a phone: ${r.status} ${JSON.stringify(r.body)}`);
  const core = fromBase64Url(r.body.core);
  if (!core) throw new Error("core is not base64url");
  return () => makeTicketCode(core, keys.privateKey, Date.now());
}
