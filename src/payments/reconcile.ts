import { and, eq, inArray, lt, notExists, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { describeError } from "../describe-error";
import { bookings, payments } from "../db/schema";
import type { Env } from "../env";
import type { Logger } from "../log";
import { makeMessage } from "../pipeline/catalogue";
import { recordMessages } from "../pipeline/projection";
import { paymentProvider } from ".";
import { settleSucceeded } from "./settle";

export interface ReconcileReport {
  checked: number;
  fixed: { payment_intent_id: string; booking_id: string | null; outcome: string }[];
  anomalies: { booking_id: string; problem: string }[];
}

/**
 * Finds payments whose webhook never came and settles them through the same code the webhook
 * uses: intents still awaiting payment in our records are looked up at the provider; confirmed
 * bookings without a captured payment are reported (the room never confirms without one, so
 * any such row is a bug to look at, not something to paper over).
 */
export async function reconcilePayments(env: Env, db: Db, log: Logger, graceMs = 60_000): Promise<ReconcileReport> {
  // Intents younger than the grace period may simply have a webhook in flight.
  const now = new Date();
  const report: ReconcileReport = { checked: 0, fixed: [], anomalies: [] };
  const provider = paymentProvider(env);
  const stale = await db.select().from(payments)
    .where(and(inArray(payments.status, ["requires_payment", "failed"]), lt(payments.updatedAt, new Date(now.getTime() - graceMs))))
    .limit(200);
  for (const p of stale) {
    report.checked++;
    try {
      const intent = await provider.retrieveIntent(p.paymentIntentId);
      const deps = { env, db, log, correlationId: `reconcile:${p.paymentIntentId}` };
      const facts = { id: intent.id, amount: intent.amount, currency: intent.currency, metadata: intent.metadata };
      if (intent.status === "succeeded") {
        report.fixed.push({ payment_intent_id: p.paymentIntentId, booking_id: p.bookingId, outcome: await settleSucceeded(deps, facts) });
      } else if (intent.status === "canceled") {
        await recordMessages(db, [makeMessage("PaymentCanceled", p.paymentIntentId, { payment_intent_id: p.paymentIntentId, booking_id: p.bookingId }, { correlationId: deps.correlationId, now })], log);
        report.fixed.push({ payment_intent_id: p.paymentIntentId, booking_id: p.bookingId, outcome: "marked_canceled" });
      } else if (p.status === "requires_payment" && intent.status === "requires_payment_method" && p.bookingId) {
        // Declined with no webhook: only matters while the booking still holds seats.
        const [b] = await db.select({ status: bookings.status }).from(bookings).where(eq(bookings.bookingId, p.bookingId));
        if (b?.status === "reserved") report.fixed.push({ payment_intent_id: p.paymentIntentId, booking_id: p.bookingId, outcome: `pending:${intent.status}` });
      }
    } catch (e) {
      log.warn("reconcile: could not check intent", { payment_intent_id: p.paymentIntentId, error: describeError(e) });
    }
  }
  const unpaid = await db.select({ id: bookings.bookingId }).from(bookings)
    .where(and(eq(bookings.status, "confirmed"), notExists(db.select({ one: sql`1` }).from(payments)
      .where(and(eq(payments.bookingId, bookings.bookingId), inArray(payments.status, ["succeeded", "refund_pending", "refunded"]))))))
    .limit(200);
  for (const b of unpaid) report.anomalies.push({ booking_id: b.id, problem: "confirmed without a captured payment on record" });
  log.info("payment reconciliation", { checked: report.checked, fixed: report.fixed.length, anomalies: report.anomalies.length });
  return report;
}
