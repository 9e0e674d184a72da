import { DurableObject } from "cloudflare:workers";
import Stripe from "stripe";
import { z } from "zod";
import { formatError } from "../src/describe-error";
import type { Env } from "../src/env";
import type { CreateIntentInput, IntentInfo, IntentStatus } from "../src/payments/provider";

const MAX_ATTEMPTS = 8;
const API_VERSION = "2025-01-27.acacia";

interface IntentRow extends Record<string, SqlStorageValue> {
  id: string; booking_id: string; amount: number; currency: string; status: string; client_secret: string; metadata: string; webhook_url: string;
}

const randomId = (prefix: string) => `${prefix}_sim_${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;

/**
 * The embedded default's payment provider: PaymentIntent-like objects kept in one Durable
 * Object, and webhooks delivered to our own endpoint signed exactly as Stripe signs them (with
 * the SDK's own signer), so the real verification and saga code runs without a Stripe account.
 * Deliveries are queued and retried with backoff, like Stripe's.
 */
export class PaymentSimulator extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS intents (id TEXT PRIMARY KEY, booking_id TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL,
        currency TEXT NOT NULL, status TEXT NOT NULL, client_secret TEXT NOT NULL, metadata TEXT NOT NULL, webhook_url TEXT NOT NULL,
        created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS refunds (id TEXT PRIMARY KEY, intent_id TEXT NOT NULL, idem_key TEXT NOT NULL UNIQUE, created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, delivered_at INTEGER, last_error TEXT);
    `);
  }

  create(input: CreateIntentInput, webhookUrl: string): IntentInfo {
    const existing = this.sql.exec<IntentRow>("SELECT * FROM intents WHERE booking_id = ?", input.bookingId).toArray()[0];
    if (existing) return info(existing);
    const id = randomId("pi");
    const row: IntentRow = {
      id, booking_id: input.bookingId, amount: input.amount, currency: input.currency.toUpperCase(), status: "requires_payment_method",
      client_secret: `${id}_secret_${crypto.randomUUID().replace(/-/g, "")}`,
      metadata: JSON.stringify({ booking_id: input.bookingId, event_id: input.eventId, user_id: input.userId }), webhook_url: webhookUrl,
    };
    this.sql.exec("INSERT INTO intents (id, booking_id, amount, currency, status, client_secret, metadata, webhook_url, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      row.id, row.booking_id, row.amount, row.currency, row.status, row.client_secret, row.metadata, row.webhook_url, Date.now());
    return info(row);
  }

  retrieve(id: string): IntentInfo | null {
    const row = this.intent(id);
    return row ? info(row) : null;
  }

  cancel(id: string): "canceled" | "not_cancelable" {
    const row = this.intent(id);
    if (!row || row.status === "succeeded" || row.status === "canceled") return "not_cancelable";
    this.sql.exec("UPDATE intents SET status = 'canceled' WHERE id = ?", id);
    return "canceled";
  }

  /** The test checkout: the buyer "pays" (or the card is declined). The client secret authorizes it. */
  async complete(id: string, clientSecret: string, outcome: "succeeded" | "failed", deliverWebhook = true): Promise<{ ok: boolean; status: string; detail?: string }> {
    const row = this.intent(id);
    if (!row || row.client_secret !== clientSecret) return { ok: false, status: "not_found", detail: "No such payment intent" };
    if (row.status === "succeeded" || row.status === "canceled") return { ok: false, status: row.status, detail: `This payment is already ${row.status}` };
    const status = outcome === "succeeded" ? "succeeded" : "requires_payment_method";
    this.sql.exec("UPDATE intents SET status = ? WHERE id = ?", status, id);
    const pi = intentObject({ ...row, status });
    if (!deliverWebhook) return { ok: true, status };
    await this.enqueue(row.webhook_url, outcome === "succeeded" ? "payment_intent.succeeded" : "payment_intent.payment_failed",
      outcome === "failed" ? { ...pi, last_payment_error: { code: "card_declined", message: "Your card was declined." } } : pi);
    return { ok: true, status };
  }

  /** Errors come back as values: an exception thrown across RPC is logged as uncaught by workerd. */
  async refund(intentId: string, idempotencyKey: string, reason: string): Promise<{ refundId: string; status: string } | { error: string }> {
    const prior = this.sql.exec<{ id: string }>("SELECT id FROM refunds WHERE idem_key = ?", idempotencyKey).toArray()[0];
    if (prior) return { refundId: prior.id, status: "succeeded" };
    const row = this.intent(intentId);
    if (!row) return { error: `No such payment_intent: ${intentId}` };
    if (row.status !== "succeeded") return { error: `This PaymentIntent has not succeeded (status ${row.status}); nothing to refund` };
    const refundId = randomId("re");
    this.sql.exec("INSERT INTO refunds (id, intent_id, idem_key, created) VALUES (?, ?, ?, ?)", refundId, intentId, idempotencyKey, Date.now());
    const metadata = metadataOf(row);
    await this.enqueue(row.webhook_url, "charge.refunded", {
      id: randomId("ch"), object: "charge", amount: row.amount, amount_refunded: row.amount, currency: row.currency.toLowerCase(),
      payment_intent: row.id, refunded: true, status: "succeeded", metadata: { ...metadata, refund_reason: reason },
      refunds: { object: "list", data: [{ id: refundId, object: "refund", amount: row.amount, status: "succeeded" }] },
    });
    return { refundId, status: "succeeded" };
  }

  override async alarm(): Promise<void> {
    const due = this.sql.exec<{ id: number; url: string; payload: string; attempts: number }>(
      "SELECT id, url, payload, attempts FROM deliveries WHERE delivered_at IS NULL AND due_at <= ? ORDER BY id LIMIT 50", Date.now()).toArray();
    // Delivered side by side, as Stripe does: one slow handler must not hold up the rest.
    await Promise.all(due.map(async (d) => {
      try {
        const header = await Stripe.webhooks.generateTestHeaderStringAsync({
          payload: d.payload, secret: this.env.STRIPE_WEBHOOK_SECRET, cryptoProvider: Stripe.createSubtleCryptoProvider(),
        });
        const res = await fetch(d.url, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": header }, body: d.payload });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        this.sql.exec("UPDATE deliveries SET delivered_at = ?, attempts = attempts + 1 WHERE id = ?", Date.now(), d.id);
      } catch (e) {
        const attempts = d.attempts + 1;
        const next = attempts >= MAX_ATTEMPTS ? null : Date.now() + Math.min(60_000, 250 * 2 ** attempts);
        this.sql.exec("UPDATE deliveries SET attempts = ?, due_at = ?, last_error = ? WHERE id = ?", attempts, next ?? 8.64e15, formatError(e), d.id);
      }
    }));
    const next = this.sql.exec<{ t: number | null }>("SELECT MIN(due_at) AS t FROM deliveries WHERE delivered_at IS NULL AND due_at < 8.64e15").one().t;
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  private async enqueue(url: string, type: string, object: Record<string, unknown>): Promise<void> {
    const event = {
      id: randomId("evt"), object: "event", api_version: API_VERSION, created: Math.floor(Date.now() / 1000), type,
      data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null },
    };
    this.sql.exec("INSERT INTO deliveries (url, payload, due_at) VALUES (?, ?, ?)", url, JSON.stringify(event), Date.now());
    await this.ctx.storage.setAlarm(Date.now());
  }

  private intent(id: string): IntentRow | undefined {
    return this.sql.exec<IntentRow>("SELECT * FROM intents WHERE id = ?", id).toArray()[0];
  }
}

function info(row: IntentRow): IntentInfo {
  return {
    id: row.id, status: row.status as IntentStatus, amount: row.amount, currency: row.currency, clientSecret: row.client_secret,
    metadata: metadataOf(row),
  };
}

/** The PaymentIntent as Stripe's webhook payload carries it (the fields our handler reads, and a few more). */
function intentObject(row: IntentRow): Record<string, unknown> {
  return {
    id: row.id, object: "payment_intent", amount: row.amount, amount_received: row.status === "succeeded" ? row.amount : 0,
    currency: row.currency.toLowerCase(), status: row.status, client_secret: row.client_secret, metadata: metadataOf(row),
    livemode: false,
  };
}

const metadataSchema = z.record(z.string(), z.string());
/** The intent's metadata as the simulator stored it (booking, event and user ids). */
function metadataOf(row: { metadata: string }): Record<string, string> {
  return metadataSchema.parse(JSON.parse(row.metadata));
}
