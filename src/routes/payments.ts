import { Hono } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { db, room, type AppEnv } from "../context";
import { paymentEvents } from "../db/schema";
import { parseWith, readJson } from "../middleware/body";
import { requireAuth } from "../middleware/auth";
import { verifyWebhook } from "../payments";
import { reconcilePayments } from "../payments/reconcile";
import { settleEvent } from "../payments/settle";
import { buyerRefundClosesAt } from "../domain/refund-window";
import { Problem, problems } from "../problem";
import { accessibleBooking, refusal } from "./booking-access";

const WEBHOOK_LIMIT = 256 * 1024;
const completeBody = z.object({
  client_secret: z.string().min(10).max(200),
  outcome: z.enum(["succeeded", "failed"]).default("succeeded"),
  /** Failure injection for tests and demos: the payment happens but its webhook is lost. */
  deliver_webhook: z.boolean().default(true),
});
const reconcileQuery = z.object({ older_than_seconds: z.coerce.number().int().min(0).max(86_400).default(60) });

export const paymentRoutes = new Hono<AppEnv>()
  /**
   * Stripe's webhook. The raw body is verified before anything else; each Stripe event id is
   * handled once (a duplicate that arrives while the first is still running is harmless too: every
   * saga step is idempotent in the EventRoom).
   */
  .post("/webhook", async (c) => {
    const signature = c.req.header("stripe-signature");
    if (!signature) throw new Problem(400, "missing_signature", "Missing signature", "The Stripe-Signature header is required");
    const raw = await c.req.text();
    if (raw.length > WEBHOOK_LIMIT) throw problems.payloadTooLarge(WEBHOOK_LIMIT);
    let event;
    try {
      event = await verifyWebhook(raw, signature, c.env.STRIPE_WEBHOOK_SECRET);
    } catch (e) {
      c.get("log").warn("webhook signature refused", { error: e instanceof Error ? e.message : String(e) });
      throw new Problem(400, "invalid_signature", "Invalid signature", "The webhook signature or its timestamp is not valid");
    }
    const [fresh] = await db(c).insert(paymentEvents).values({ stripeEventId: event.id, type: event.type }).onConflictDoNothing().returning();
    if (!fresh) {
      const [seen] = await db(c).select().from(paymentEvents).where(eq(paymentEvents.stripeEventId, event.id));
      if (seen?.processedAt) return c.json({ received: true, duplicate: true, outcome: seen.outcome });
    }
    const outcome = await settleEvent({ env: c.env, db: db(c), log: c.get("log"), correlationId: event.id }, event);
    // The first handling to finish is the one on record; racing duplicates do not overwrite it.
    await db(c).update(paymentEvents).set({ processedAt: new Date(), outcome })
      .where(and(eq(paymentEvents.stripeEventId, event.id), isNull(paymentEvents.processedAt)));
    c.get("log").info("webhook handled", { stripe_event_id: event.id, type: event.type, outcome });
    return c.json({ received: true, outcome });
  })
  .post("/:booking_id/refund", requireAuth(), async (c) => {
    const { row, event, isStaff } = await accessibleBooking(c, c.req.param("booking_id"));
    if (!isStaff) {
      // A date move never closes the window (see refund-window.ts); organizers and admins always may refund.
      const closes = buyerRefundClosesAt(event);
      if (Date.now() > closes.getTime()) {
        throw problems.conflict("refund_window_closed", `Refunds for this event closed at ${closes.toISOString()}`, { closed_at: closes.toISOString() });
      }
    }
    const r = await room(c, row.eventId).requestRefund(row.bookingId, isStaff ? "refunded_by_organizer" : "requested_by_buyer");
    if (!r.ok) throw refusal(r);
    return c.json({ booking_id: row.bookingId, status: r.booking.status, refund: r.booking.status === "refunded" ? "completed" : "pending" }, 202);
  })
  .post("/reconcile", requireAuth("admin"), async (c) => {
    const q = parseWith(reconcileQuery, c.req.query());
    return c.json(await reconcilePayments(c.env, db(c), c.get("log"), q.older_than_seconds * 1000));
  })
  /** The simulator's stand-in for Stripe.js confirming a card payment (embedded default only). */
  .post("/simulator/:intent_id/complete", async (c) => {
    if (c.env.STRIPE_SECRET_KEY) throw problems.notFound("Simulator");
    const body = await readJson(c, completeBody);
    const sim = c.env.PAYMENT_SIMULATOR.get(c.env.PAYMENT_SIMULATOR.idFromName("simulator"));
    const r = await sim.complete(c.req.param("intent_id"), body.client_secret, body.outcome, body.deliver_webhook);
    if (!r.ok) throw r.status === "not_found" ? problems.notFound("Payment intent") : problems.conflict("payment_already_final", r.detail ?? "");
    return c.json({ payment_intent_id: c.req.param("intent_id"), status: r.status }, 202);
  });
