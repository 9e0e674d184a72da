/**
 * Transfer of a ticket to another account (docs/tickets.md, "Transfer"). The ticket keeps its id
 * (it is the seat; gates' manifests stay valid); its holder changes and every core signed for the
 * old holder is revoked at once (the floor rises: refused online now, offline after the gates'
 * next delta). The recipient binds their own phone. The decision and every write are one
 * synchronous step, so a transfer cannot interleave with a scan, a binding or another transfer.
 */
import { transferRefusal } from "../../src/domain/tickets/transfer";
import { ok, refuse, type RoomResult } from "./contract";
import type { CheckIn } from "./check-in";
import type { RoomMeta } from "./meta";
import type { SaleTermsStore } from "./sale-terms";
import type { TicketIssuer } from "./ticket-issuer";
import type { TicketRecords } from "./ticket-records";

export interface TransferDone { ticket_id: string; event_id: string; item_id: string; transferred_at: string; revision: number }

export interface TransferDeps {
  sql: SqlStorage;
  storage: DurableObjectStorage;
  meta: RoomMeta;
  terms: SaleTermsStore;
  issuer: Pick<TicketIssuer, "retireCores">;
  checkIn: Pick<CheckIn, "used" | "transfers">;
  records: TicketRecords;
}

export class TicketTransfers {
  constructor(private readonly deps: TransferDeps) {}

  private gaveAway(ticketId: string, accountId: string): boolean {
    return this.deps.sql.exec("SELECT 1 FROM ticket_transfers WHERE ticket_id = ? AND from_user = ? LIMIT 1", ticketId, accountId).toArray().length > 0;
  }

  transfer(ticketId: string, from: string, to: string, correlationId: string, now: number): RoomResult<TransferDone> {
    const { sql, storage, meta, terms, issuer, checkIn, records } = this.deps;
    return storage.transactionSync(() => {
      const t = records.row(ticketId);
      const starts = terms.current();
      const no = transferRefusal({
        holder: t?.holder ?? null, callerGaveItAway: this.gaveAway(ticketId, from), caller: from, recipient: to,
        status: t?.status === "void" ? "void" : "valid", refundPending: t !== null && (t.refund_state !== null || t.booking_status !== "confirmed"),
        used: checkIn.used(ticketId), transfersOn: checkIn.transfers(),
        startsAt: starts ? Date.parse(starts.rescheduledAt ?? starts.startsAt) : null, eventCancelled: meta.status() === "cancelled", now,
      });
      if (no) return refuse(no.status, no.code, no.detail);
      if (!t) return refuse(404, "not_found", "No such ticket");
      const floor = issuer.retireCores(ticketId);
      sql.exec("UPDATE tickets SET holder_id = ? WHERE ticket_id = ?", to, ticketId);
      const transferredAt = new Date(now).toISOString();
      records.announce({ type: "TicketTransferred", from_user_id: from, transferred_at: transferredAt, core_floor: floor }, ticketId, correlationId);
      const revision = records.row(ticketId)?.revision ?? t.revision + 1;
      sql.exec("INSERT INTO ticket_transfers (ticket_id, revision, from_user, to_user, transferred_at) VALUES (?, ?, ?, ?, ?)", ticketId, revision, from, to, now);
      return ok({ ticket_id: ticketId, event_id: meta.eventId(), item_id: t.item_id, transferred_at: transferredAt, revision });
    });
  }
}
