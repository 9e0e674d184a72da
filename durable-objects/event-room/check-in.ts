/**
 * Tickets and, next, check-in. A confirmed booking gets one ticket per seat or place, each with a
 * secret that never leaves the room; a refund voids them. This is the slot the gate work fills:
 * scans (admit each ticket once), code rotation and revocation deltas belong here, with their own
 * tables in schema.ts and, for anything timed (code rotation, say), this part's `tick`.
 */
import type { BookingItem, TicketInfo } from "./contract";
import type { TimedPart } from "./timers";

export interface TicketStatus extends TicketInfo { status: string }

export class CheckIn implements TimedPart {
  readonly name = "check_in";

  constructor(private readonly sql: SqlStorage) {}

  /** One ticket per seat or general-admission place, each with its own secret. Call inside the confirming transaction. */
  issue(bookingId: string, items: BookingItem[]): TicketInfo[] {
    const issued: TicketInfo[] = [];
    for (const item of items) {
      const ids = item.kind === "seat" ? [item.item_id] : Array.from({ length: item.quantity }, (_, k) => `${item.item_id}#${k + 1}`);
      for (const itemId of ids) {
        const ticketId = crypto.randomUUID();
        const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
        this.sql.exec("INSERT INTO tickets (ticket_id, booking_id, item_id, secret) VALUES (?, ?, ?, ?)", ticketId, bookingId, itemId, secret);
        issued.push({ ticket_id: ticketId, item_id: itemId });
      }
    }
    return issued;
  }

  /** The booking's money went back: its tickets admit nobody. */
  voidFor(bookingId: string): void {
    this.sql.exec("UPDATE tickets SET status = 'void' WHERE booking_id = ?", bookingId);
  }

  list(bookingId: string): TicketStatus[] {
    return this.sql.exec<{ ticket_id: string; item_id: string; status: string }>(
      "SELECT ticket_id, item_id, status FROM tickets WHERE booking_id = ? ORDER BY item_id", bookingId).toArray().map((t) => ({ ...t }));
  }

  /** Nothing timed yet. */
  tick(): null {
    return null;
  }
}
