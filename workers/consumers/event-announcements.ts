/**
 * Fan-out of an event's cancellation or new date to its buyers, read from Postgres: one mail per
 * booking, each under its own key, so a redelivered message or a retry after a crash midway
 * sends nobody anything twice and carries on with whoever was not reached yet.
 */
import { and, eq, or, sql } from "drizzle-orm";
import { bookings, payments } from "../../src/db/schema";
import type { MessageOf } from "../../src/pipeline/catalogue";
import { buyerRefundClosesAt } from "../../src/domain/refund-window";
import { eventOf, factsOf } from "../notifications/audience";
import type { Channels } from "../notifications/channels";
import { combine } from "../notifications/deliver";
import { notifyBuyers } from "../notifications/fan-out";
import { notificationKey } from "../notifications/keys";
import type { Executor } from "./processed";

/** News older than this is dropped rather than mailed (see the notifier's module comment). */
export const ANNOUNCEMENT_MAX_AGE_MS = 3 * 86400_000;

const stale = (e: { timestamp: string }, now: Date) => now.getTime() - Date.parse(e.timestamp) > ANNOUNCEMENT_MAX_AGE_MS;

/**
 * EventCancelled → every buyer whose booking the cancellation took away: confirmed (refund
 * pending) or already refunded because of it. Bookings refunded earlier for another reason were
 * cancelled by their buyer or the organizer and have had their mail.
 */
export async function announceCancellation(db: Executor, channels: Channels, e: MessageOf<"EventCancelled">, now: Date): Promise<string> {
  if (stale(e, now)) return "ignored:stale";
  const event = await eventOf(db, e.data.event_id);
  if (!event) return "ignored:unknown_event";
  const refundedByCancellation = sql`EXISTS (SELECT 1 FROM ${payments} WHERE ${payments.bookingId} = ${bookings.bookingId} AND ${payments.status} = 'refunded' AND ${payments.note} = 'event_cancelled')`;
  const outcomes = await notifyBuyers(db, channels,
    and(eq(bookings.eventId, event.eventId), or(eq(bookings.status, "confirmed"), and(eq(bookings.status, "refunded"), refundedByCancellation))),
    (b) => ({
      key: notificationKey.eventCancelled(event.eventId, b.booking.bookingId), notice: { template: "event_cancelled" },
      facts: factsOf(event, { bookingId: b.booking.bookingId, tickets: b.tickets, amount: b.booking.totalAmount, currency: b.booking.currency }),
    }));
  return outcomes.length ? combine(outcomes) : "ignored:no_buyers";
}

/**
 * EventUpdated that moved the start date → every confirmed buyer: the old and the new date (as the
 * message announces them) and until when they may ask for a refund. Other updates say nothing.
 */
export async function announceReschedule(db: Executor, channels: Channels, e: MessageOf<"EventUpdated">, now: Date): Promise<string> {
  const d = e.data;
  const start = new Date(d.start_date);
  if (!d.previous_start_date || Date.parse(d.previous_start_date) === start.getTime()) return "ignored:date_unchanged";
  if (stale(e, now)) return "ignored:stale";
  if (start <= now) return "ignored:already_started";
  const event = await eventOf(db, d.event_id);
  if (!event) return "ignored:unknown_event";
  // Cancelled since: the cancellation mail is the news, not the date.
  if (event.status === "cancelled") return "ignored:event_cancelled";
  const previousStartDate = new Date(d.previous_start_date);
  // As the Worker computed it with the move; an older message without it gets the refund-window rule.
  const refundClosesAt = d.refund_closes_at ? new Date(d.refund_closes_at) : buyerRefundClosesAt({
    startDate: start, refundWindowHours: d.refund_window_hours, rescheduledAt: event.rescheduledAt ?? new Date(e.timestamp),
  });
  const outcomes = await notifyBuyers(db, channels, and(eq(bookings.eventId, event.eventId), eq(bookings.status, "confirmed")), (b) => ({
    key: notificationKey.eventRescheduled(event.eventId, e.event_id, b.booking.bookingId),
    notice: { template: "event_rescheduled", previousStartDate, refundClosesAt },
    facts: factsOf(event, { bookingId: b.booking.bookingId, tickets: b.tickets, amount: b.booking.totalAmount, currency: b.booking.currency }, start),
  }));
  return outcomes.length ? combine(outcomes) : "ignored:no_buyers";
}
