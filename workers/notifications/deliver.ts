import { formatError } from "../../src/describe-error";
import { eq } from "drizzle-orm";
import { notifications } from "../../src/db/schema";
import type { Executor } from "../consumers/processed";
import type { Channels } from "./channels";
import { render, type BookingFacts, type Notice, type Template } from "./templates";
import type { Locale } from "./tickets";

export interface Recipient { email: string; phone: string | null; name: string; locale: Locale }
export type Outcome = "sent" | "duplicate" | "failed";

/** Worth a text message too: what the fan must not miss. Receipts and released holds are email only. */
const SMS_TEMPLATES: ReadonlySet<Template> = new Set<Template>(["booking_confirmation", "event_cancelled", "event_rescheduled", "event_reminder"]);

/**
 * Sends one notification on each channel at most once. `key` names the cause and the booking
 * (e.g. `booking:<id>:confirmed`); the row `<key>:<channel>` is claimed (inserted) before
 * anything is sent, so a redelivered or concurrent message finds the claim and sends nothing.
 * A send that fails is recorded as failed with its error; a crash between claim and send leaves
 * the row pending: at most once, never twice.
 */
export async function deliver(db: Executor, channels: Channels, key: string, notice: Notice, to: Recipient, facts: Omit<BookingFacts, "name">): Promise<Outcome> {
  const template = notice.template;
  const rendered = render(notice, to.locale, { ...facts, name: to.name });
  const sends: { channel: "email" | "sms"; recipient: string; go: () => Promise<void> }[] = [
    { channel: "email", recipient: to.email, go: async () => { await channels.email?.send({ to: to.email, ...rendered }); } },
  ];
  const phone = to.phone;
  const sms = channels.sms;
  if (phone && sms && SMS_TEMPLATES.has(template)) sends.push({ channel: "sms", recipient: phone, go: () => sms.send({ to: phone, text: rendered.subject }) });
  const outcomes: Outcome[] = [];
  for (const x of sends) {
    const id = `${key}:${x.channel}`;
    const claimed = await db.insert(notifications).values({
      notificationId: id, channel: x.channel, template, locale: to.locale, recipient: x.recipient,
      subject: rendered.subject, bodyText: x.channel === "email" ? rendered.text : rendered.subject, bodyHtml: x.channel === "email" ? rendered.html : null,
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
  return combine(outcomes);
}

/** One word for many sends: failed if any failed, duplicate if all were, sent otherwise. */
export function combine(outcomes: Outcome[]): Outcome {
  if (outcomes.includes("failed")) return "failed";
  return outcomes.every((o) => o === "duplicate") ? "duplicate" : "sent";
}
