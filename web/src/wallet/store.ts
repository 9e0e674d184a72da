import { z } from "zod";
import { generateDeviceKey } from "../../../src/domain/tickets/keys";
import { idbAll, idbClear, idbGet, idbPut, idbPutFirst, STORES } from "./idb";

/**
 * What the wallet keeps on this phone. Only what the ticket page needs to open with no network:
 * the ticket's seat and event, the signed core (which names this phone's key), and the last state
 * the API reported. Read back through zod: storage is input like any other.
 */
export const savedTicket = z.object({
  ticket_id: z.string(),
  event_id: z.string(),
  item_id: z.string(),
  event_title: z.string().nullable(),
  event_start: z.string().nullable(),
  /** When another account gave it to this one (absent on tickets of one's own booking, and on copies kept before this was kept). */
  received_at: z.string().nullable().optional(),
  /** The signed core for this phone (base64url) and its version; null until bound. */
  core: z.string().nullable(),
  version: z.int().min(0),
  state: z.object({ status: z.enum(["valid", "used", "void", "transferred"]), version: z.int().min(0), checked_in_at: z.string().nullable() }),
  /** When the state was last read from the API (ms). */
  checked_at: z.number(),
});
export type SavedTicket = z.output<typeof savedTicket>;

const deviceKeys = z.object({ privateKey: z.instanceof(CryptoKey), publicKey: z.instanceof(CryptoKey) });
const DEVICE_KEY = "key";

/**
 * This phone's key pair: made once (non-extractable private half) and kept in IndexedDB. Two tabs
 * making it at once keep the one stored first, so every core of this phone names the same key.
 */
export async function deviceKey(): Promise<CryptoKeyPair> {
  const known = deviceKeys.safeParse(await idbGet(STORES.device, DEVICE_KEY));
  if (known.success) return known.data;
  const fresh = await generateDeviceKey();
  return deviceKeys.parse(await idbPutFirst(STORES.device, DEVICE_KEY, fresh));
}

export async function savedTicketOf(ticketId: string): Promise<SavedTicket | null> {
  const r = savedTicket.safeParse(await idbGet(STORES.tickets, ticketId));
  return r.success ? r.data : null;
}

export async function savedTickets(): Promise<SavedTicket[]> {
  return (await idbAll(STORES.tickets)).flatMap((v) => {
    const r = savedTicket.safeParse(v);
    return r.success ? [r.data] : [];
  });
}

export const saveTicket = (t: SavedTicket): Promise<unknown> => idbPut(STORES.tickets, t.ticket_id, savedTicket.parse(t));

/** Signing out leaves nothing of the account on the phone: tickets, cores and the key. */
export async function forgetWallet(): Promise<void> {
  await Promise.all([idbClear(STORES.tickets), idbClear(STORES.device)]);
}
