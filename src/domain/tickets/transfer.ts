/**
 * Who may move a ticket to whom, and when (docs/tickets.md, "Transfer"). Pure: the room passes
 * what it knows at the moment it decides, time included.
 */

export interface TransferFacts {
  /** The ticket's current holder, or null when the room has no such ticket. */
  holder: string | null;
  /** Whether the caller held this ticket once and gave it away. */
  callerGaveItAway: boolean;
  caller: string;
  recipient: string;
  status: "valid" | "void";
  /** A refund of the ticket's booking is under way. */
  refundPending: boolean;
  /** Admitted at a gate at least once. */
  used: boolean;
  transfersOn: boolean;
  /** When the event starts (ms), null when the room has no terms. */
  startsAt: number | null;
  eventCancelled: boolean;
  now: number;
}

export type TransferRefusal =
  | { status: 404; code: "not_found"; detail: string }
  | { status: 409; code: "ticket_transferred" | "ticket_revoked" | "refund_pending" | "ticket_used" | "transfers_disabled" | "event_started"; detail: string }
  | { status: 422; code: "self_transfer"; detail: string };

/**
 * Why this transfer may not happen, or null when it may. Order: the caller must hold the ticket
 * (someone else's is "not found", never whose; a past holder is told it left them), then the
 * ticket's own state, then the event's rules.
 */
export function transferRefusal(f: TransferFacts): TransferRefusal | null {
  if (f.holder === null || (f.holder !== f.caller && !f.callerGaveItAway)) return { status: 404, code: "not_found", detail: "No such ticket" };
  if (f.holder !== f.caller) return { status: 409, code: "ticket_transferred", detail: "You transferred this ticket to another account: it is no longer yours" };
  if (f.recipient === f.caller) return { status: 422, code: "self_transfer", detail: "The ticket is already yours: name another account" };
  if (f.status === "void" || f.eventCancelled) return { status: 409, code: "ticket_revoked", detail: "This ticket was refunded or cancelled" };
  if (f.refundPending) return { status: 409, code: "refund_pending", detail: "A refund of this ticket's booking is under way" };
  if (f.used) return { status: 409, code: "ticket_used", detail: "This ticket was already used at the gate" };
  if (!f.transfersOn) return { status: 409, code: "transfers_disabled", detail: "The organizer does not allow transfers for this event" };
  if (f.startsAt !== null && f.now >= f.startsAt) return { status: 409, code: "event_started", detail: "Tickets can no longer be transferred once the event has started" };
  return null;
}
