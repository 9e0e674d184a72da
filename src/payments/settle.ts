import { eq } from "drizzle-orm";
import { eventRoom } from "../context";
import type { Db } from "../db/client";
import { payments } from "../db/schema";
import { uuid } from "../domain/input";
import type { IntentFacts, RefundFacts, WebhookEvent } from "../domain/payment-input";
import type { Env } from "../env";
import type { Logger } from "../log";
import { makeMessage } from "../pipeline/catalogue";
import { recordMessages } from "../pipeline/projection";
import { paymentProvider, reportingProvider } from ".";
import { ProviderRefusal } from "./provider";

export interface SettleDeps { env: Env; db: Db; log: Logger; correlationId: string }

const target = (metadata: Record<string, string>) => {
  const bookingId = uuid.safeParse(metadata.booking_id);
  const eventId = uuid.safeParse(metadata.event_id);
  return bookingId.success && eventId.success ? { bookingId: bookingId.data, eventId: eventId.data } : null;
};

/** What the room is told of a payment the provider reported. */
const report = (deps: SettleDeps, t: { bookingId: string }, pi: { id: string; amount: number; currency: string }) =>
  ({ bookingId: t.bookingId, intentId: pi.id, provider: reportingProvider(deps.env), amount: pi.amount, currency: pi.currency, correlationId: deps.correlationId });

/**
 * Money we cannot match to a booking goes back at once. The refund is idempotent per intent, and
 * the payments row records why (through the outbox, like every payment fact), so reconciliation
 * and support can see it. False when the provider says there is no such payment to refund (an
 * event about an intent it does not know): nothing to do.
 */
async function refundOrphan(deps: SettleDeps, pi: IntentFacts, reason: string): Promise<boolean> {
  const provider = paymentProvider(deps.env);
  try {
    await provider.refund(pi.id, `refund-${pi.id}`, reason);
  } catch (e) {
    if (!(e instanceof ProviderRefusal)) throw e;
    deps.log.warn("orphan payment not refunded: the provider refused", { payment_intent_id: pi.id, reason });
    return false;
  }
  const t = target(pi.metadata);
  await recordMessages(deps.db, [makeMessage("UnmatchedPaymentReceived", pi.id, {
    payment_intent_id: pi.id, provider: provider.name, amount: pi.amount, currency: pi.currency.toUpperCase(),
    booking_id: t?.bookingId ?? null, event_id: t?.eventId ?? null, reason,
  }, { correlationId: deps.correlationId })], deps.log);
  deps.log.warn("payment refunded: no booking to honour it", { payment_intent_id: pi.id, reason });
  return true;
}

/** payment_intent.succeeded, from a webhook or from reconciliation: one code path. */
export async function settleSucceeded(deps: SettleDeps, pi: IntentFacts): Promise<string> {
  const t = target(pi.metadata);
  const result = t ? await eventRoom(deps.env, t.eventId).paymentSucceeded(report(deps, t, pi)) : { outcome: "unknown_booking" as const };
  if (result.outcome === "unknown_booking") {
    return (await refundOrphan(deps, pi, "unknown_booking")) ? "refunded:unknown_booking" : "ignored:not_refundable";
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
  const r = await eventRoom(deps.env, t.eventId).paymentFailed(report(deps, t, pi));
  if (!r.ok) return "ignored:unknown_booking";
  return r.value.changed ? "booking_cancelled" : `ignored:${r.value.status}`;
}

export async function settleRefunded(deps: SettleDeps, charge: RefundFacts): Promise<string> {
  const [row] = await deps.db.select().from(payments).where(eq(payments.paymentIntentId, charge.paymentIntentId));
  const bookingId = row?.bookingId ?? target(charge.metadata)?.bookingId;
  const eventId = row?.eventId ?? target(charge.metadata)?.eventId;
  if (bookingId && eventId) {
    const r = await eventRoom(deps.env, eventId).refundCompleted({
      ...report(deps, { bookingId }, { id: charge.paymentIntentId, amount: charge.amount, currency: charge.currency }), refundId: charge.refundId,
    });
    if (r.ok) return r.value.changed ? `refunded:${r.value.booking.status}` : "already_refunded";
  }
  // No booking in any room: an orphan payment whose refund completed.
  await recordMessages(deps.db, [makeMessage("UnmatchedPaymentRefunded", charge.paymentIntentId, {
    payment_intent_id: charge.paymentIntentId, refund_id: charge.refundId, amount: charge.amount, currency: charge.currency.toUpperCase(),
  }, { correlationId: deps.correlationId })], deps.log);
  return "refunded:no_booking";
}

/** Routes a verified, well-formed webhook event to its saga step; returns what happened, for the audit row. */
export async function settleEvent(deps: SettleDeps, event: WebhookEvent): Promise<string> {
  switch (event.action) {
    case "succeeded":
      return settleSucceeded(deps, event.intent);
    case "failed":
      return settleFailed(deps, event.intent);
    case "refunded":
      return settleRefunded(deps, event.refund);
    case "ignore":
      return "ignored";
  }
}
