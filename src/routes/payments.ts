import { and, eq, isNull } from "drizzle-orm";
import { db, room } from "../context";
import { paymentEvents } from "../db/schema";
import { parseWebhookEvent } from "../domain/payment-input";
import { readBody, readText, zodErrors } from "../middleware/body";
import { intentPathId, readQuery } from "../middleware/params";
import { requireAuth } from "../middleware/auth";
import { simulatorEnabled, webhookSignatureValid } from "../payments";
import { reconcilePayments } from "../payments/reconcile";
import { settleEvent } from "../payments/settle";
import { buyerRefundClosesAt } from "../domain/refund-window";
import { Problem, problems } from "../problem";
import { paymentOperations as op } from "../contract/payments";
import { ApiRoutes } from "./api-routes";
import { accessibleBooking } from "./booking-access";
import { unwrap } from "./room-result";

const WEBHOOK_LIMIT = 256 * 1024;

/** A signed body that is not an event we can act on: refused before anything is recorded. */
const invalidPayload = (errors: { field: string; message: string }[]) =>
  new Problem(400, "invalid_webhook_payload", "Invalid webhook payload", "The event is signed but its body is not a well-formed Stripe event", { errors });

export const paymentRoutes = new ApiRoutes("/api/payment")
  /**
   * Stripe's webhook. The raw body is verified before anything else; each Stripe event id is
   * handled once (a duplicate that arrives while the first is still running is harmless too: every
   * saga step is idempotent in the EventRoom).
   */
  .serve(op.webhook, async (c) => {
    const signature = c.req.header("stripe-signature");
    if (!signature) throw new Problem(400, "missing_signature", "Missing signature", "The Stripe-Signature header is required");
    const raw = await readText(c, WEBHOOK_LIMIT);
    if (!(await webhookSignatureValid(raw, signature, c.env.STRIPE_WEBHOOK_SECRET))) {
      c.get("log").warn("webhook signature refused");
      throw new Problem(400, "invalid_signature", "Invalid signature", "The webhook signature or its timestamp is not valid");
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw invalidPayload([{ field: "(body)", message: "must be JSON" }]);
    }
    const parsed = parseWebhookEvent(json);
    if (!parsed.success) {
      c.get("log").warn("webhook payload refused", { errors: zodErrors(parsed.error).map((e) => e.field) });
      throw invalidPayload(zodErrors(parsed.error));
    }
    const event = parsed.data;
    const [fresh] = await db(c).insert(paymentEvents).values({ stripeEventId: event.id, type: event.type }).onConflictDoNothing().returning();
    if (!fresh) {
      const [seen] = await db(c).select().from(paymentEvents).where(eq(paymentEvents.stripeEventId, event.id));
      if (seen?.processedAt) return c.json({ received: true as const, duplicate: true as const, outcome: seen.outcome }, 200);
    }
    const outcome = await settleEvent({ env: c.env, db: db(c), log: c.get("log"), correlationId: event.id }, event);
    // The first handling to finish is the one on record; racing duplicates do not overwrite it.
    await db(c).update(paymentEvents).set({ processedAt: new Date(), outcome })
      .where(and(eq(paymentEvents.stripeEventId, event.id), isNull(paymentEvents.processedAt)));
    c.get("log").info("webhook handled", { stripe_event_id: event.id, type: event.type, outcome });
    return c.json({ received: true as const, outcome }, 200);
  })
  .serve(op.refund, requireAuth(), async (c) => {
    const { bookingId, eventId, event, isStaff } = await accessibleBooking(c, c.req.param("booking_id"));
    if (!isStaff) {
      // A date move never closes the window (see refund-window.ts); organizers and admins always may refund.
      const closes = buyerRefundClosesAt(event);
      if (Date.now() > closes.getTime()) {
        throw problems.conflict("refund_window_closed", `Refunds for this event closed at ${closes.toISOString()}`, { closed_at: closes.toISOString() });
      }
    }
    const r = unwrap(await room(c, eventId).requestRefund(bookingId, isStaff ? "refunded_by_organizer" : "requested_by_buyer"));
    return c.json({ booking_id: bookingId, status: r.booking.status, refund: r.booking.status === "refunded" ? "completed" as const : "pending" as const }, 202);
  })
  .serve(op.reconcile, requireAuth("admin"), async (c) => {
    const q = readQuery(c, op.reconcile.request.query);
    return c.json(await reconcilePayments(c.env, db(c), c.get("log"), q.older_than_seconds * 1000), 200);
  })
  /** The simulator's stand-in for Stripe.js confirming a card payment (local development only). */
  .serve(op.simulatorComplete, async (c) => {
    if (!simulatorEnabled(c.env)) throw problems.notFound("Simulator");
    const intentId = intentPathId(c.req.param("intent_id"), "Payment intent");
    const body = await readBody(c, op.simulatorComplete);
    const sim = c.env.PAYMENT_SIMULATOR.get(c.env.PAYMENT_SIMULATOR.idFromName("simulator"));
    const r = await sim.complete(intentId, body.client_secret, body.outcome, body.deliver_webhook);
    if (!r.ok) throw r.status === "not_found" ? problems.notFound("Payment intent") : problems.conflict("payment_already_final", r.detail ?? "");
    return c.json({ payment_intent_id: intentId, status: r.status }, 202);
  });
