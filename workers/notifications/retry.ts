import { formatError } from "../../src/describe-error";
import { and, asc, eq, gt } from "drizzle-orm";
import { notifications } from "../../src/db/schema";
import type { Executor } from "../consumers/processed";
import type { Channels } from "./channels";

/** Failed sends are retried on the schedule for this long, then left as failed (and visible). */
export const RETRY_FOR_MS = 24 * 3600_000;

/**
 * Sends again what failed to leave (the SMTP server or SMS provider was down), from the row the
 * claim wrote: the rendered message and its recipient. Each retry takes the row back from
 * `failed` to `pending` in one conditional update, so two sweeps at once send it once. A row left
 * `pending` by a crash is not retried: it may have gone out, and twice is worse than late.
 */
export async function retryFailedSends(db: Executor, channels: Channels, now = new Date()): Promise<number> {
  const due = await db.select().from(notifications)
    .where(and(eq(notifications.status, "failed"), gt(notifications.createdAt, new Date(now.getTime() - RETRY_FOR_MS))))
    .orderBy(asc(notifications.createdAt)).limit(500);
  let sent = 0;
  for (const n of due) {
    const [taken] = await db.update(notifications).set({ status: "pending" })
      .where(and(eq(notifications.notificationId, n.notificationId), eq(notifications.status, "failed"))).returning({ id: notifications.notificationId });
    if (!taken) continue;
    try {
      if (n.channel === "email") await channels.email?.send({ to: n.recipient, subject: n.subject, text: n.bodyText, html: n.bodyHtml ?? "" });
      else if (channels.sms) await channels.sms.send({ to: n.recipient, text: n.bodyText });
      else throw new Error("no SMS channel configured");
      await db.update(notifications).set({ status: "sent", sentAt: new Date(), error: null }).where(eq(notifications.notificationId, n.notificationId));
      sent++;
    } catch (err) {
      await db.update(notifications).set({ status: "failed", error: formatError(err) }).where(eq(notifications.notificationId, n.notificationId));
    }
  }
  return sent;
}
