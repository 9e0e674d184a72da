/**
 * Reminders, on a schedule: a week ahead and on the last day, to every confirmed buyer of a
 * published event, once each per booking and start date, naming the real time left.
 */
import { and, asc, eq, gt, lte } from "drizzle-orm";
import { bookings, events } from "../../src/db/schema";
import { factsOf } from "../notifications/audience";
import type { Channels } from "../notifications/channels";
import { notifyBuyers } from "../notifications/fan-out";
import { notificationKey } from "../notifications/keys";
import { reminderSlot, slotWindow, timeLeft, type ReminderSlot } from "../notifications/time-left";
import type { Executor } from "./processed";

/** Sends the reminders due at `now`; returns how many buyers were reminded. Safe to run at any rate. */
export async function sendReminders(db: Executor, channels: Channels, now = new Date()): Promise<number> {
  let sent = 0;
  for (const slot of ["week", "day"] satisfies ReminderSlot[]) {
    const { after, until } = slotWindow(slot, now);
    const due = await db.select().from(events)
      .where(and(eq(events.status, "published"), gt(events.startDate, after), lte(events.startDate, until))).orderBy(asc(events.startDate));
    for (const event of due) {
      // Both windows are read at the same `now`, so an event is in exactly one of them.
      if (reminderSlot(event.startDate, now) !== slot) continue;
      const outcomes = await notifyBuyers(db, channels, and(eq(bookings.eventId, event.eventId), eq(bookings.status, "confirmed")), (b) => ({
        key: notificationKey.reminder(b.booking.bookingId, slot, event.startDate),
        notice: { template: "event_reminder", left: timeLeft(event.startDate, now) },
        facts: factsOf(event, { bookingId: b.booking.bookingId, tickets: b.tickets, amount: b.booking.totalAmount, currency: b.booking.currency }),
      }));
      sent += outcomes.filter((o) => o === "sent").length;
    }
  }
  return sent;
}
