import { and, eq, gt, lte, sql } from "drizzle-orm";
import { bookingItems, bookings, events, notifications, users } from "../../src/db/schema";
import type { Envelope } from "../../src/domain/envelope";
import { formatError } from "../../src/describe-error";
import type { Channels } from "../notifications/channels";
import { render, type Locale, type Template } from "../notifications/templates";
import type { Executor } from "./processed";

export const NOTIFY_CONSUMER = "notifier";
export const NOTIFY_TOPICS = ["booking-events", "payment-events"] as const;

interface Recipient { email: string; phone: string | null; name: string; locale: Locale }
interface Subject { bookingId: string; userId: string; eventId: string; seats: string[]; amount: number; currency: string }

const TEMPLATE_OF: Partial<Record<Envelope["event_type"], Template>> = {
  BookingConfirmed: "booking_confirmation",
  PaymentSucceeded: "payment_success",
  BookingCancelled: "booking_cancelled",
};

/**
 * Sends the notification a message calls for, at most once per message and channel: the
 * notification row is claimed (inserted) before anything is sent, so a redelivery finds the
 * claim and sends nothing. A send that fails is recorded as failed with its error.
 */
export async function notify(db: Executor, channels: Channels, e: Envelope): Promise<string> {
  const template = TEMPLATE_OF[e.event_type];
  if (!template) return "ignored";
  const d = e.data as Record<string, unknown>;
  // A payment we could not honour is refunded, not celebrated.
  if (e.event_type === "PaymentSucceeded" && !String(d.outcome ?? "").startsWith("confirmed")) return "ignored";
  const subject: Subject = {
    bookingId: String(d.booking_id), userId: String(d.user_id), eventId: String(d.event_id),
    seats: Array.isArray(d.seats) ? (d.seats as string[]) : [], amount: Number(d.total_amount ?? d.amount ?? 0), currency: String(d.currency ?? "KRW"),
  };
  return deliver(db, channels, e.event_id, template, subject);
}

/** D-7 and D-1 reminders for confirmed bookings, once each; run on a schedule. */
export async function sendReminders(db: Executor, channels: Channels, now = new Date()): Promise<number> {
  let sent = 0;
  for (const days of [7, 1]) {
    const due = await db.select({ b: bookings }).from(bookings).innerJoin(events, eq(events.eventId, bookings.eventId))
      .where(and(eq(bookings.status, "confirmed"), gt(events.startDate, now), lte(events.startDate, new Date(now.getTime() + days * 86400_000)),
        // D-7 only while more than a day is left; D-1 covers the last day.
        days === 7 ? gt(events.startDate, new Date(now.getTime() + 86400_000)) : sql`true`))
      .limit(500);
    for (const { b } of due) {
      const items = await db.select().from(bookingItems).where(eq(bookingItems.bookingId, b.bookingId));
      const r = await deliver(db, channels, `${b.bookingId}:d-${days}`, "event_reminder", {
        bookingId: b.bookingId, userId: b.userId, eventId: b.eventId, seats: items.map((i) => i.itemId), amount: b.totalAmount, currency: b.currency,
      }, days);
      if (r === "sent") sent++;
    }
  }
  return sent;
}

async function deliver(db: Executor, channels: Channels, key: string, template: Template, s: Subject, daysBefore?: number): Promise<string> {
  const [user] = await db.select().from(users).where(eq(users.userId, s.userId));
  const [event] = await db.select().from(events).where(eq(events.eventId, s.eventId));
  if (!user || !event) return "ignored:unknown_recipient";
  const to: Recipient = { email: user.email, phone: user.phoneNumber, name: user.name, locale: user.locale === "en" ? "en" : "ko" };
  const rendered = render(template, to.locale, {
    name: to.name, eventTitle: event.title, venue: event.venue, startDate: event.startDate, bookingId: s.bookingId,
    seats: s.seats, amount: s.amount, currency: s.currency, ...(daysBefore ? { daysBefore } : {}),
  });
  const outcomes: string[] = [];
  const sends: { channel: "email" | "sms"; recipient: string; go: () => Promise<void> }[] = [
    { channel: "email", recipient: to.email, go: async () => { await channels.email?.send({ to: to.email, ...rendered }); } },
  ];
  if (to.phone && channels.sms && template !== "payment_success") {
    const sms = channels.sms;
    sends.push({ channel: "sms", recipient: to.phone, go: () => sms.send({ to: to.phone!, text: rendered.subject }) });
  }
  for (const x of sends) {
    const id = `${key}:${x.channel}`;
    const claimed = await db.insert(notifications).values({
      notificationId: id, channel: x.channel, template, locale: to.locale, recipient: x.recipient,
      subject: rendered.subject, bodyText: rendered.text, bodyHtml: x.channel === "email" ? rendered.html : null,
    }).onConflictDoNothing().returning({ id: notifications.notificationId });
    if (!claimed.length) {
      outcomes.push("duplicate");
      continue;
    }
    try {
      await x.go();
      await db.update(notifications).set({ status: "sent", sentAt: new Date() }).where(eq(notifications.notificationId, id));
      outcomes.push("sent");
    } catch (err) {
      await db.update(notifications).set({ status: "failed", error: formatError(err) }).where(eq(notifications.notificationId, id));
      outcomes.push("failed");
    }
  }
  return outcomes.every((o) => o === "duplicate") ? "duplicate" : outcomes.includes("failed") ? "failed" : "sent";
}
