import { eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import { eventRoom } from "../context";
import type { Db } from "../db/client";
import { payments } from "../db/schema";
import type { Env } from "../env";
import type { Logger } from "../log";
import { paymentProvider } from ".";

export interface SettleDeps { env: Env; db: Db; log: Logger; correlationId: string }
export interface IntentFacts { id: string; amount: number; currency: string; metadata: Record<string, string> }

const uuid = z.uuid();
const target = (metadata: Record<string, string>) => {
  const bookingId = uuid.safeParse(metadata.booking_id);
  const eventId = uuid.safeParse(metadata.event_id);
  return bookingId.success && eventId.success ? { bookingId: bookingId.data, eventId: eventId.data } : null;
};

/**
 * Money we cannot match to a booking goes back at once. The refund is idempotent per intent, and
 * the payments row records why, so reconciliation and support can see it.
 */
async function refundOrphan(deps: SettleDeps, pi: IntentFacts, reason: string): Promise<void> {
  const provider = paymentProvider(deps.env);
  await provider.refund(pi.id, `refund-${pi.id}`, reason);
  await deps.db.insert(payments).values({
    paymentIntentId: pi.id, bookingId: target(pi.metadata)?.bookingId ?? null, eventId: target(pi.metadata)?.eventId ?? null,
    provider: provider.name, amount: pi.amount, currency: pi.currency.toUpperCase(), status: "refund_pending", note: reason,
  }).onConflictDoUpdate({ target: payments.paymentIntentId, set: { status: "refund_pending", note: reason, updatedAt: new Date() } });
  deps.log.warn("payment refunded: no booking to honour it", { payment_intent_id: pi.id, reason });
}

/** payment_intent.succeeded, from a webhook or from reconciliation: one code path. */
export async function settleSucceeded(deps: SettleDeps, pi: IntentFacts): Promise<string> {
  const t = target(pi.metadata);
  const result = t
    ? await eventRoom(deps.env, t.eventId).paymentSucceeded({ bookingId: t.bookingId, intentId: pi.id, amount: pi.amount, currency: pi.currency, correlationId: deps.correlationId })
    : { outcome: "unknown_booking" as const };
  if (result.outcome === "unknown_booking") {
    await refundOrphan(deps, pi, "unknown_booking");
    return "refunded:unknown_booking";
  }
  if (result.outcome === "refund_queued") {
    deps.log.warn("payment could not be honoured; refund queued", { payment_intent_id: pi.id, booking_id: t?.bookingId, reason: result.reason });
    return `refund_queued:${result.reason}`;
  }
  return result.outcome;
}

export async function settleFailed(deps: SettleDeps, pi: IntentFacts): Promise<string> {
  const t = target(pi.metadata);
  if (!t) return "ignored:unknown_booking";
  const r = await eventRoom(deps.env, t.eventId).paymentFailed({ bookingId: t.bookingId, intentId: pi.id, amount: pi.amount, currency: pi.currency, correlationId: deps.correlationId });
  return r.changed ? "booking_cancelled" : `ignored:${r.status ?? "unknown_booking"}`;
}

export async function settleRefunded(deps: SettleDeps, charge: { paymentIntentId: string; amount: number; currency: string; refundId: string | null; metadata: Record<string, string> }): Promise<string> {
  const [row] = await deps.db.select().from(payments).where(eq(payments.paymentIntentId, charge.paymentIntentId));
  const bookingId = row?.bookingId ?? target(charge.metadata)?.bookingId;
  const eventId = row?.eventId ?? target(charge.metadata)?.eventId;
  if (bookingId && eventId) {
    const r = await eventRoom(deps.env, eventId).refundCompleted({
      bookingId, intentId: charge.paymentIntentId, amount: charge.amount, currency: charge.currency, correlationId: deps.correlationId, refundId: charge.refundId,
    });
    if (r.booking) return r.changed ? `refunded:${r.booking.status}` : "already_refunded";
  }
  // No booking in any room: an orphan payment whose refund completed.
  await deps.db.update(payments).set({ status: "refunded", updatedAt: sql`now()` }).where(eq(payments.paymentIntentId, charge.paymentIntentId));
  return "refunded:no_booking";
}

const intentFacts = (pi: Stripe.PaymentIntent): IntentFacts => ({ id: pi.id, amount: pi.amount, currency: pi.currency, metadata: { ...pi.metadata } });

/** Routes a verified Stripe event to its saga step; returns what happened, for the audit row. */
export async function settleEvent(deps: SettleDeps, event: Stripe.Event): Promise<string> {
  switch (event.type) {
    case "payment_intent.succeeded":
      return settleSucceeded(deps, intentFacts(event.data.object));
    case "payment_intent.payment_failed":
      return settleFailed(deps, intentFacts(event.data.object));
    case "charge.refunded": {
      const ch = event.data.object;
      const pi = typeof ch.payment_intent === "string" ? ch.payment_intent : ch.payment_intent?.id;
      if (!pi) return "ignored:no_payment_intent";
      return settleRefunded(deps, { paymentIntentId: pi, amount: ch.amount_refunded, currency: ch.currency, refundId: ch.refunds?.data[0]?.id ?? null, metadata: { ...ch.metadata } });
    }
    default:
      return "ignored";
  }
}
