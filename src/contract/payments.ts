import { z } from "zod";
import { BOOKING_STATES } from "../domain/booking-state";
import { intentId } from "../domain/input";
import { reconcileQuery, simulatorCompleteBody, webhookEventSchemas } from "../domain/payment-input";
import { idOut, refundParams } from "./common";
import { BEARER, json, jsonBody, operation, problem, signedIn, unexpected, withDatabase, withJsonBody, withQuery, withRole } from "./operation";

/** Stripe's webhook, refunds, reconciliation, and the local payment simulator: /api/payment. */

export const webhookAckSchema = z.strictObject({
  received: z.literal(true),
  duplicate: z.literal(true).optional().describe("This Stripe event id was handled before; `outcome` is what happened then"),
  outcome: z.string().nullable().describe("What the event did (`confirmed`, `booking_cancelled`, `refunded:refunded`, `ignored`, …)"),
});

export const refundAcceptedSchema = z.strictObject({
  booking_id: idOut,
  status: z.enum(BOOKING_STATES),
  refund: z.enum(["completed", "pending"]).describe("`pending` until the provider reports the money back"),
});

export const reconcileReportSchema = z.strictObject({
  checked: z.int().min(0),
  fixed: z.array(z.strictObject({ payment_intent_id: z.string(), booking_id: idOut.nullable(), outcome: z.string() })),
  anomalies: z.array(z.strictObject({ booking_id: idOut, problem: z.string() })),
}).meta({ id: "ReconcileReport" });

export const simulatorResultSchema = z.strictObject({ payment_intent_id: z.string(), status: z.string().describe("`succeeded`, or `requires_payment_method` after a decline") });

export const intentParams = z.object({ intent_id: intentId.describe("The PaymentIntent's id (`pi_…`)") });

const TAGS = ["Payments"];

export const paymentOperations = {
  webhook: operation({
    method: "post", path: "/api/payment/webhook", operationId: "stripeWebhook", tags: TAGS, security: [{ stripeSignature: [] }],
    summary: "Stripe's webhook: payment_intent.succeeded, payment_intent.payment_failed, charge.refunded",
    description: "The raw body must carry a valid `Stripe-Signature` (timestamp within 5 minutes). Each Stripe event id is acted on once. Other event types are acknowledged and ignored. Up to 256 KiB.",
    request: { body: jsonBody(z.union([webhookEventSchemas.intent, webhookEventSchemas.refund, webhookEventSchemas.other]), "A Stripe event: the ones acted on, or any other (acknowledged and ignored)") },
    responses: {
      200: json(webhookAckSchema, "Received"),
      400: problem(400, ["missing_signature", "invalid_signature", "invalid_webhook_payload", "bad_request"], "Unsigned, badly signed, not UTF-8, or not a well-formed Stripe event"),
      413: problem(413, ["payload_too_large"]),
      ...withDatabase,
    },
  }),
  refund: operation({
    method: "post", path: "/api/payment/{booking_id}/refund", operationId: "refundBooking", tags: TAGS, security: BEARER, "x-roles": ["user", "organizer", "admin"],
    summary: "Refund a confirmed booking",
    description: "Its buyer may while the event's refund window is open (`refund_closes_at`); its organizer and admins always may.",
    request: { params: refundParams },
    responses: {
      202: json(refundAcceptedSchema, "Refund under way (or already done)"), ...signedIn,
      404: problem(404, ["not_found"]), 409: problem(409, ["refund_window_closed", "not_refundable", "tickets_transferred"]), ...withDatabase,
    },
  }),
  reconcile: operation({
    method: "post", path: "/api/payment/reconcile", operationId: "reconcilePayments", tags: TAGS, security: BEARER, "x-roles": ["admin"],
    summary: "Settle payments whose webhook never came (admins; the cron does it every five minutes)",
    request: { query: reconcileQuery },
    responses: {
      200: json(reconcileReportSchema, "What was checked and settled"), ...withQuery, ...withRole,
      500: problem(500, ["internal_error"]), 503: problem(503, ["payment_provider_missing", "database_unavailable"]),
    },
  }),
  simulatorComplete: operation({
    method: "post", path: "/api/payment/simulator/{intent_id}/complete", operationId: "simulatorComplete", tags: ["Development"], "x-development-only": true,
    summary: "The payment simulator's stand-in for Stripe.js paying (or declining) a PaymentIntent",
    description: "Development only (the simulator runs where `ENVIRONMENT=development` and no `STRIPE_SECRET_KEY` is set; elsewhere this is 404). "
      + "The simulator then delivers a Stripe-signed webhook; `deliver_webhook: false` loses it, to try reconciliation.",
    request: { params: intentParams, body: jsonBody(simulatorCompleteBody) },
    responses: {
      202: json(simulatorResultSchema, "Paid (or declined); the webhook follows"), ...withJsonBody,
      404: problem(404, ["not_found"]), 409: problem(409, ["payment_already_final"]), ...unexpected,
    },
  }),
};
