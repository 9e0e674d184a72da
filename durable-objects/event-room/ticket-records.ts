/**
 * Tickets as records: every change of a ticket in this room (issued, transferred, revoked, first
 * check-in) bumps its revision and is announced through the outbox, in the transaction that made
 * it, with the whole record (src/pipeline/payloads.ts `ticketRecord`). Postgres keeps the highest
 * revision it has seen (migrations/0009_tickets.sql), so the wallet there is right whatever the
 * order or number of deliveries.
 */
import type { RoomMeta } from "./meta";
import type { RoomOutbox } from "./outbox";

/** What happened to a ticket, with what each message says beyond the record. */
export type TicketChange =
  | { type: "TicketIssued" }
  | { type: "TicketTransferred"; from_user_id: string; transferred_at: string; core_floor: number }
  | { type: "TicketRevoked"; reason: string }
  | { type: "TicketCheckedIn"; gate_id: string };

/** A ticket as the room holds it, with its current holder (the buyer unless it was transferred). */
export interface TicketRow {
  ticket_id: string;
  booking_id: string;
  item_id: string;
  status: string;
  holder: string;
  revision: number;
  issued_at: number | null;
  /** The booking's state: a refund under way makes its tickets untransferable. */
  booking_status: string;
  refund_state: string | null;
}

export class TicketRecords {
  constructor(private readonly deps: { sql: SqlStorage; meta: RoomMeta; outbox: Pick<RoomOutbox, "emit"> }) {}

  row(ticketId: string): TicketRow | null {
    return this.deps.sql.exec<{
      ticket_id: string; booking_id: string; item_id: string; status: string; holder: string; revision: number; issued_at: number | null;
      booking_status: string; refund_state: string | null;
    }>(
      `SELECT t.ticket_id, t.booking_id, t.item_id, t.status, COALESCE(t.holder_id, b.user_id) AS holder, t.revision, t.issued_at,
         b.status AS booking_status, b.refund_state
       FROM tickets t JOIN bookings b ON b.booking_id = t.booking_id WHERE t.ticket_id = ?`, ticketId).toArray()[0] ?? null;
  }

  /** The time of the ticket's first entry, if it has one. */
  private checkedInAt(ticketId: string): number | null {
    return this.deps.sql.exec<{ first_at: number }>("SELECT first_at FROM check_ins WHERE ticket_id = ?", ticketId).toArray()[0]?.first_at ?? null;
  }

  /**
   * Bumps the ticket's revision and announces it as `type` with its whole record. Call after the
   * change, inside its transaction (the caller's synchronous step).
   */
  announce(change: TicketChange, ticketId: string, correlationId: string): void {
    this.deps.sql.exec("UPDATE tickets SET revision = revision + 1 WHERE ticket_id = ?", ticketId);
    const t = this.row(ticketId);
    if (!t) return;
    const at = this.checkedInAt(ticketId);
    const record = {
      ticket_id: t.ticket_id, event_id: this.deps.meta.eventId(), booking_id: t.booking_id, item_id: t.item_id, holder_id: t.holder,
      status: t.status === "void" ? "void" as const : "valid" as const, revision: t.revision,
      issued_at: new Date(t.issued_at ?? Date.now()).toISOString(), checked_in_at: at === null ? null : new Date(at).toISOString(),
    };
    const out = this.deps.outbox;
    switch (change.type) {
      case "TicketIssued":
        out.emit("TicketIssued", t.ticket_id, record, correlationId);
        return;
      case "TicketTransferred": {
        const { type, ...extras } = change;
        out.emit(type, t.ticket_id, { ...record, ...extras }, correlationId);
        return;
      }
      case "TicketRevoked":
        out.emit("TicketRevoked", t.ticket_id, { ...record, reason: change.reason }, correlationId);
        return;
      case "TicketCheckedIn":
        out.emit("TicketCheckedIn", t.ticket_id, { ...record, gate_id: change.gate_id }, correlationId);
    }
  }
}
