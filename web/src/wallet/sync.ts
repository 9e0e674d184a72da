import { eventOperations } from "../../../src/contract/events";
import { ticketOperations } from "../../../src/contract/tickets";
import { toBase64Url } from "../../../src/domain/tickets/bytes";
import { call } from "../api/client";
import { deviceKey, saveTicket, savedTicketOf, type SavedTicket } from "./store";

/**
 * The ticket page's online half: read the ticket and its live state, bind this phone the first
 * time the ticket is opened here, and keep what the page needs offline in IndexedDB.
 *
 * A phone binds on its own only when it holds no core for the ticket. When another phone took the
 * ticket over (a newer core version), this one does not take it back by itself: two phones doing
 * that would fight over the ticket and spend the daily rebind limit; the fan chooses (`bindHere`).
 */
export async function syncTicket(ticketId: string): Promise<SavedTicket> {
  const [ticket, state, saved] = await Promise.all([
    call(ticketOperations.get, { auth: true, params: { id: ticketId } }),
    call(ticketOperations.state, { auth: true, params: { id: ticketId } }),
    savedTicketOf(ticketId),
  ]);
  // Only for the heading (read once): the ticket is shown without it when the event cannot be read.
  const e = saved?.event_title ? null : await call(eventOperations.get, { params: { id: ticket.event_id } }).catch(() => null);
  const event = { title: saved?.event_title ?? e?.title ?? null, start: saved?.event_start ?? e?.start_date ?? null };
  const record: SavedTicket = {
    ticket_id: ticket.ticket_id, event_id: ticket.event_id, item_id: ticket.item_id,
    event_title: event.title, event_start: event.start, received_at: ticket.received_at ?? null,
    core: saved?.core ?? null, version: saved?.version ?? 0,
    state: { status: state.status, version: state.version, checked_in_at: state.checked_in_at },
    checked_at: Date.now(),
  };
  if (!record.core && state.status !== "void" && state.status !== "transferred") return bindHere(record);
  await saveTicket(record);
  return record;
}

/** Binds the ticket to this phone's key (revoking any other phone's core) and keeps the new core. */
export async function bindHere(record: SavedTicket): Promise<SavedTicket> {
  const keys = await deviceKey();
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
  const bound = await call(ticketOperations.bindDevice, { auth: true, params: { id: record.ticket_id }, body: { public_key: toBase64Url(raw) } });
  const next: SavedTicket = {
    ...record, core: bound.core, version: bound.version,
    state: { ...record.state, version: Math.max(record.state.version, bound.version) }, checked_at: Date.now(),
  };
  await saveTicket(next);
  return next;
}

/** Where this phone's copy stands. */
export type TicketShown = "void" | "transferred" | "moved" | "used" | "valid" | "unbound";

export function shownAs(t: SavedTicket): TicketShown {
  if (t.state.status === "void" || t.state.status === "transferred") return t.state.status;
  if (!t.core) return "unbound";
  if (t.state.version > t.version) return "moved";
  return t.state.status === "used" ? "used" : "valid";
}
