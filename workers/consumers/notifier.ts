/**
 * The notifier: every state change a buyer cares about reaches them once, by email (ko or en,
 * text + HTML), and the ones they must not miss by SMS too. Each is sent at most once per
 * (cause, booking, channel): see notifications/keys.ts.
 *
 * | notification          | sent on                                             | SMS |
 * |-----------------------|-----------------------------------------------------|-----|
 * | booking_confirmation  | BookingConfirmed: tickets (seats, or area × count), the amount paid, refund deadline | yes |
 * | booking_cancelled     | BookingCancelled (a hold: by the buyer, a declined card, or the event's cancellation) | no |
 * | booking_expired       | BookingExpired (a hold lapsed unpaid)               | no  |
 * | refund_completed      | RefundProcessed, any cause: the buyer, the organizer, the event's cancellation, a payment we could not honour | no |
 * | event_cancelled       | EventCancelled, to every buyer with a confirmed (or already refunded-by-the-cancellation) booking; also on a RefundProcessed caused by the cancellation | yes |
 * | event_rescheduled     | EventUpdated whose start date moved, to every confirmed buyer: old and new date, refund deadline | yes |
 * | event_reminder        | schedule (reminders.ts): a week ahead and on the last day, naming the real time left | yes |
 * | ticket_sent / ticket_received | TicketTransferred: to the sender and to the recipient (with the wallet's link), once per transfer each (ticket-transfers.ts) | no |
 * | ticket_voided         | TicketRevoked of a ticket held by someone other than its buyer (a refund or the event's cancellation voided it): to that holder, once per ticket; the buyer has the refund's own mail | no |
 *
 * A send that fails (SMTP or the SMS provider down) is retried from its stored message on the
 * schedule for a day (notifications/retry.ts), so an outage delays a mail instead of losing it.
 *
 * Decisions:
 * - "Payment received" is folded into the confirmation, which states the amount paid: payment
 *   and confirmation commit together in the EventRoom, so two mails for one purchase is noise.
 *   A payment that does not confirm anything is refunded, and that refund is what we tell.
 * - A lapsed hold gets a mail: the fan walked away mid-checkout and may believe they bought
 *   tickets; it says the seats are gone and nothing was charged (a late payment is still
 *   confirmed or refunded, each with its own mail).
 * - Event cancellation can reach us before or after the bookings' RefundProcessed messages, and
 *   before a just-confirmed booking has reached Postgres. So the cancelled-event mail has one
 *   key per (event, booking), sent by whichever comes first: the EventCancelled fan-out (confirmed
 *   bookings, and those already refunded because of it) or the booking's own RefundProcessed
 *   with reason event_cancelled (every paid booking gets one). Nobody is skipped, nobody mailed twice.
 * - Announcements older than three days are dropped: news that late is noise, and it keeps a new
 *   consumer group, which reads event-events from the beginning, from mailing history.
 * Envelope data is parsed by the catalogue (notifications/messages.ts); what does not parse is logged and skipped.
 */
import type { MessageOf } from "../../src/pipeline/catalogue";
import type { Envelope } from "../../src/pipeline/envelope";
import { buyerRefundClosesAt } from "../../src/domain/refund-window";
import { eventOf, factsOf, recipientsOf, ticketsOf } from "../notifications/audience";
import type { Channels } from "../notifications/channels";
import { combine, deliver, type Outcome } from "../notifications/deliver";
import { notificationKey } from "../notifications/keys";
import { readForNotifier } from "../notifications/messages";
import type { HoldCancelCause, Notice, RefundCause } from "../notifications/templates";
import { ticketLines, type TicketLine } from "../notifications/tickets";
import { announceCancellation, announceReschedule } from "./event-announcements";
import { announceTransfer, announceVoided } from "./ticket-transfers";
import { retryFailedSends } from "../notifications/retry";
import type { Executor } from "./processed";
import { sendReminders } from "./reminders";

export { sendReminders };

export const NOTIFY_CONSUMER = "notifier";
export const NOTIFY_TOPICS = ["booking-events", "payment-events", "event-events", "ticket-events"] as const;

/** Sends what a message calls for; returns sent / duplicate / failed / ignored[:why]. */
export async function notify(db: Executor, channels: Channels, e: Envelope, now = new Date()): Promise<string> {
  const read = readForNotifier(e);
  if (!read.ok) return read.outcome;
  const m = read.message;
  switch (m.event_type) {
    case "BookingConfirmed":
    case "BookingCancelled":
    case "BookingExpired":
      return bookingChanged(db, channels, m, now);
    case "RefundProcessed":
      return refunded(db, channels, m);
    case "EventCancelled":
      return announceCancellation(db, channels, m, now);
    case "EventUpdated":
      return announceReschedule(db, channels, m, now);
    case "TicketTransferred":
      return announceTransfer(db, channels, m);
    case "TicketRevoked":
      return announceVoided(db, channels, m);
  }
}

/**
 * A batch, in order (one booking's messages share a partition, and its mails must follow its
 * story): each message is sent once by its notification keys, so a batch delivered again after a
 * failure part-way sends nothing twice. Messages the notifier does not act on (most of the
 * traffic: payment intents, inventory) cost no round trip.
 */
export async function notifyBatch(db: Executor, channels: Channels, envelopes: Envelope[], now = new Date()): Promise<string[]> {
  const outcomes: string[] = [];
  for (const e of envelopes) outcomes.push(await notify(db, channels, e, now));
  return outcomes;
}

/** The notifier's schedule (every ten minutes): the reminders due, then the sends that failed. */
export async function runNotifierSchedule(db: Executor, channels: Channels, now = new Date()): Promise<{ reminded: number; retried: number }> {
  const reminded = await sendReminders(db, channels, now);
  return { reminded, retried: await retryFailedSends(db, channels, now) };
}

const HOLD_CAUSES: Record<string, HoldCancelCause> = { cancelled_by_user: "buyer", payment_failed: "card_declined", event_cancelled: "event_cancelled" };
const REFUND_CAUSES: Record<string, RefundCause> = { requested_by_buyer: "buyer", refunded_by_organizer: "organizer", event_cancelled: "event_cancelled" };
/** A payment refunded without a sale, by the booking's state when it arrived. */
const UNHONOURED_CAUSES: Record<string, RefundCause> = {
  expired: "late_after_hold_lapsed", cancelled: "booking_cancelled", confirmed: "duplicate_payment", refunded: "duplicate_payment",
};

type BookingChanged = MessageOf<"BookingConfirmed" | "BookingCancelled" | "BookingExpired">;

/** The message's tickets, or the booking's from Postgres when the message does not list them. */
async function ticketsFor(db: Executor, d: BookingChanged["data"]): Promise<TicketLine[]> {
  const lines = ticketLines(d);
  return lines.length ? lines : (await ticketsOf(db, [d.booking_id])).get(d.booking_id) ?? [];
}

async function bookingChanged(db: Executor, channels: Channels, e: BookingChanged, now: Date): Promise<string> {
  const d = e.data;
  const [event, to] = [await eventOf(db, d.event_id), (await recipientsOf(db, [d.user_id])).get(d.user_id)];
  if (!event || !to) return "ignored:unknown_recipient";
  const facts = factsOf(event, { bookingId: d.booking_id, tickets: await ticketsFor(db, d), amount: d.total_amount, currency: d.currency });
  let key: string;
  let notice: Notice;
  if (e.event_type === "BookingConfirmed") {
    const closes = buyerRefundClosesAt({ startDate: event.startDate, refundWindowHours: event.refundWindowHours, rescheduledAt: event.rescheduledAt });
    [key, notice] = [notificationKey.confirmed(d.booking_id), { template: "booking_confirmation", refundClosesAt: closes > now ? closes : null }];
  } else if (e.event_type === "BookingCancelled") {
    [key, notice] = [notificationKey.holdCancelled(d.booking_id), { template: "booking_cancelled", cause: HOLD_CAUSES[d.reason] ?? "other" }];
  } else {
    [key, notice] = [notificationKey.holdExpired(d.booking_id), { template: "booking_expired" }];
  }
  return deliver(db, channels, key, notice, to, facts);
}

async function refunded(db: Executor, channels: Channels, e: MessageOf<"RefundProcessed">): Promise<string> {
  const d = e.data;
  const [event, to] = [await eventOf(db, d.event_id), (await recipientsOf(db, [d.user_id])).get(d.user_id)];
  if (!event || !to) return "ignored:unknown_recipient";
  if ("outcome" in d) {
    // Money returned for a payment we could not honour: told by the booking's state when it arrived.
    const cause = UNHONOURED_CAUSES[d.booking_status] ?? "unmatched_payment";
    return combine([await deliver(db, channels, notificationKey.refunded(d.booking_id, d.payment_intent_id), { template: "refund_completed", cause }, to,
      factsOf(event, { bookingId: d.booking_id, tickets: [], amount: d.amount, currency: d.currency }))]);
  }
  const tickets = await ticketsFor(db, d);
  const facts = factsOf(event, { bookingId: d.booking_id, tickets, amount: d.total_amount, currency: d.currency });
  const outcomes: Outcome[] = [];
  if (d.reason === "event_cancelled") {
    // The cancelled-event mail first (same key as the EventCancelled fan-out), then the refund.
    outcomes.push(await deliver(db, channels, notificationKey.eventCancelled(d.event_id, d.booking_id), { template: "event_cancelled" }, to, facts));
  }
  outcomes.push(await deliver(db, channels, notificationKey.refunded(d.booking_id, d.payment_intent_id ?? e.event_id), { template: "refund_completed", cause: REFUND_CAUSES[d.reason] ?? "other" }, to, facts));
  return combine(outcomes);
}
