/**
 * The payment saga's steps in the room, one per provider report: an intent attached to a hold,
 * a success (confirm, late if the seats are still free, or refund what cannot be honoured), a
 * decline (release the hold), a refund asked for and its completion. Each is idempotent and runs
 * in one storage transaction with the messages that announce it; provider calls it decides on
 * are queued as tasks (provider-tasks.ts), never made inline.
 */
import type { ProviderName } from "./contract";
import { ok, refuse, type PaymentOutcome, type PaymentReport, type RoomResult, type Transition } from "./contract";
import type { CheckIn } from "./check-in";
import type { BookingRecord, Inventory } from "./inventory";
import type { RoomMeta } from "./meta";
import type { RoomOutbox } from "./outbox";
import type { ProviderTasks } from "./provider-tasks";

export interface PaymentSagaDeps {
  storage: DurableObjectStorage;
  sql: SqlStorage;
  meta: RoomMeta;
  inventory: Pick<Inventory, "booking" | "view" | "transition" | "retake">;
  outbox: Pick<RoomOutbox, "emit">;
  tasks: Pick<ProviderTasks, "queue" | "refundDone">;
  tickets: Pick<CheckIn, "heldByOthers" | "voidFor">;
}

const notFound = () => refuse(404, "not_found", "Booking was not found");

export class PaymentSaga {
  constructor(private readonly deps: PaymentSagaDeps) {}

  /**
   * Records the PaymentIntent made for a booking; a hold that already ended gets it cancelled.
   * The first intent recorded is the booking's (`intentId` says which): another one, made by a
   * concurrent checkout at a provider that did not honour the idempotency key, is cancelled.
   */
  attach(bookingId: string, intentId: string, provider: ProviderName, correlationId: string): RoomResult<{ changed: boolean; intentId: string }> {
    const row = this.deps.inventory.booking(bookingId);
    if (!row) return notFound();
    if (row.payment_intent_id === intentId) return ok({ changed: false, intentId });
    if (row.payment_intent_id) {
      this.deps.tasks.queue("cancel_intent", bookingId, intentId, "duplicate_intent");
      return ok({ changed: false, intentId: row.payment_intent_id });
    }
    this.deps.storage.transactionSync(() => {
      this.deps.sql.exec("UPDATE bookings SET payment_intent_id = ? WHERE booking_id = ?", intentId, bookingId);
      this.deps.outbox.emit("PaymentIntentCreated", bookingId, {
        booking_id: bookingId, event_id: this.deps.meta.eventId(), user_id: row.user_id, payment_intent_id: intentId, provider,
        amount: row.total_amount, currency: this.currency(),
      }, correlationId);
      if (row.status !== "reserved" && row.status !== "confirmed") this.deps.tasks.queue("cancel_intent", bookingId, intentId, "hold_ended_before_payment");
    });
    return ok({ changed: true, intentId });
  }

  /**
   * payment_intent.succeeded. Confirms the booking if it can be honoured: it is held, or its
   * hold lapsed (or an earlier attempt failed) but every seat is still free. Anything else keeps
   * the money only long enough to refund it, with the reason recorded.
   */
  succeeded(p: PaymentReport): PaymentOutcome {
    const { inventory, outbox, tasks } = this.deps;
    const row = inventory.booking(p.bookingId);
    if (!row) return { outcome: "unknown_booking" };
    if (row.paid_intent_id === p.intentId) return { outcome: "already_confirmed", booking: inventory.view(row) };
    const announce = (outcome: { outcome: "confirmed" | "confirmed_late" } | { outcome: "refund_queued"; reason: string }) =>
      outbox.emit("PaymentSucceeded", row.booking_id, { ...this.facts(row, p), provider: p.provider, booking_status: row.status, ...outcome }, p.correlationId);
    return this.deps.storage.transactionSync((): PaymentOutcome => {
      const refundFor = (reason: string): PaymentOutcome => {
        announce({ outcome: "refund_queued", reason });
        tasks.queue("refund", row.booking_id, p.intentId, reason);
        return { outcome: "refund_queued", reason, booking: inventory.view(row) };
      };
      if (p.amount !== row.total_amount || p.currency.toUpperCase() !== this.currency()) return refundFor("amount_mismatch");
      const late = row.status === "expired" || (row.status === "cancelled" && row.reason === "payment_failed");
      if (row.status === "reserved" || (late && inventory.retake(row))) {
        this.deps.sql.exec("UPDATE bookings SET paid_intent_id = ?, payment_intent_id = COALESCE(payment_intent_id, ?) WHERE booking_id = ?", p.intentId, p.intentId, row.booking_id);
        announce({ outcome: late ? "confirmed_late" : "confirmed" });
        const confirmed = inventory.transition({ ...row, status: "reserved", paid_intent_id: p.intentId }, "confirmed", p.correlationId, late ? "paid_after_hold_lapsed" : "payment_succeeded");
        return { outcome: "confirmed", booking: inventory.view(confirmed) };
      }
      return refundFor(late ? "seats_taken_after_hold_lapsed" : row.status === "confirmed" ? "duplicate_payment" : `booking_${row.status}`);
    });
  }

  /** payment_intent.payment_failed: a held booking is cancelled and its seats go back on sale. */
  failed(p: PaymentReport): RoomResult<{ changed: boolean; status: BookingRecord["status"] }> {
    const row = this.deps.inventory.booking(p.bookingId);
    if (!row) return notFound();
    const changed = this.deps.storage.transactionSync(() => {
      const cancels = row.status === "reserved";
      this.deps.outbox.emit("PaymentFailed", row.booking_id, {
        ...this.facts(row, p), booking_status: row.status, outcome: cancels ? "booking_cancelled" : "ignored",
      }, p.correlationId);
      if (cancels) this.deps.inventory.transition(row, "cancelled", p.correlationId, "payment_failed");
      return cancels;
    });
    return ok({ changed, status: changed ? "cancelled" : row.status });
  }

  /** A refund asked for by the buyer, the organizer or an admin; carried out by the provider tasks. */
  requestRefund(bookingId: string, reason: string): RoomResult<Transition> {
    const row = this.deps.inventory.booking(bookingId);
    if (!row) return notFound();
    if (row.status === "refunded" || row.refund_state) return ok({ booking: this.deps.inventory.view(row), changed: false });
    const paid = row.paid_intent_id;
    if (row.status !== "confirmed" || !paid) return refuse(409, "not_refundable", `A ${row.status} booking has no payment to refund`);
    // A buyer who gave tickets away cannot take the money back from under their new holders (the organizer still may).
    if (reason === "requested_by_buyer" && this.deps.tickets.heldByOthers(bookingId, row.user_id)) {
      return refuse(409, "tickets_transferred", "Tickets of this booking were transferred to another account: it can no longer be refunded by its buyer");
    }
    this.deps.storage.transactionSync(() => this.queueRefund(row, paid, reason));
    return ok({ booking: this.deps.inventory.view(row), changed: true });
  }

  /** Every paid booking refunded (the sale was closed). Call inside a transaction; returns how many. */
  refundAll(reason: string): number {
    const paid = this.deps.sql.exec<{ booking_id: string }>("SELECT booking_id FROM bookings WHERE status = 'confirmed' AND refund_state IS NULL").toArray();
    let queued = 0;
    for (const { booking_id: id } of paid) {
      const row = this.deps.inventory.booking(id);
      if (row?.paid_intent_id) this.queueRefund(row, row.paid_intent_id, reason);
      queued++;
    }
    return queued;
  }

  /** charge.refunded: the money is back; a confirmed booking becomes refunded and its tickets void. */
  refundCompleted(p: PaymentReport & { refundId: string | null }): RoomResult<Transition> {
    const { inventory, sql, tasks } = this.deps;
    const row = inventory.booking(p.bookingId);
    if (!row) return notFound();
    const changed = this.deps.storage.transactionSync(() => {
      tasks.refundDone(p.intentId);
      if (row.status === "refunded" && row.paid_intent_id === p.intentId) return false;
      if (row.status === "confirmed" && row.paid_intent_id === p.intentId) {
        inventory.transition(row, "refunded", p.correlationId, row.reason ?? "refunded");
        return true;
      }
      if (row.refund_state === `refunded:${p.intentId}`) return false;
      // Money returned for a payment we could not honour: the booking itself does not change.
      sql.exec("UPDATE bookings SET refund_state = ? WHERE booking_id = ?", `refunded:${p.intentId}`, row.booking_id);
      this.deps.outbox.emit("RefundProcessed", row.booking_id, {
        ...this.facts(row, p), booking_status: row.status, outcome: "refunded_without_sale", refund_id: p.refundId,
      }, p.correlationId);
      return true;
    });
    const after = inventory.booking(p.bookingId) ?? row;
    return ok({ booking: inventory.view(after), changed });
  }

  /**
   * From the moment a refund is decided the booking's tickets admit nobody (online at once,
   * offline from the next delta), not from when the provider confirms it: otherwise the money
   * and the entry could both be had in between. Voiding again on completion changes nothing.
   */
  private queueRefund(row: BookingRecord, paidIntentId: string, reason: string): void {
    this.deps.tickets.voidFor(row.booking_id, reason, `refund:${row.booking_id}`);
    this.deps.sql.exec("UPDATE bookings SET refund_state = 'requested', reason = ? WHERE booking_id = ?", reason, row.booking_id);
    this.deps.tasks.queue("refund", row.booking_id, paidIntentId, reason);
  }

  /** What every payment message says of the payment. */
  private facts(row: BookingRecord, p: PaymentReport) {
    return {
      booking_id: row.booking_id, event_id: this.deps.meta.eventId(), user_id: row.user_id, payment_intent_id: p.intentId,
      amount: p.amount, currency: p.currency.toUpperCase(),
    };
  }

  private currency(): string {
    const c = this.deps.meta.currency();
    if (!c) throw new Error("a booking in a room without a currency");
    return c;
  }
}
