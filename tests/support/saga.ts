import { asc, inArray } from "drizzle-orm";
import type { Db } from "../../src/db/client";
import { outbox } from "../../src/db/schema";
import type { MessageType } from "../../src/pipeline/catalogue";
import { envelopeSchema, type Envelope } from "../../src/pipeline/envelope";
import { api, eventually, type Session } from "./api";

/** Bookings and payments over HTTP against the running Worker (payment simulator). */
export interface Hold { booking_id: string; status: string; payment: { payment_intent_id: string; client_secret: string } }

/** What `POST /api/bookings/{id}/payment` answers: the hold's intent and how to pay it. */
export interface Checkout { booking_id: string; payment_intent_id: string; status: string; client_secret: string; checkout_url?: string; expires_at: string }

/** Opens checkout for a hold (creates its PaymentIntent, or finds it); throws unless 200. */
export async function openCheckout(token: string, bookingId: string, base?: string): Promise<Checkout> {
  const r = await api<Checkout>(`/api/bookings/${bookingId}/payment`, { token, method: "POST", ...(base ? { base } : {}) });
  if (r.status !== 200) throw new Error(`opening checkout failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A hold with its checkout opened: the booking's 201, then its payment. */
export async function hold(who: Session, eventId: string, what: { seat_ids: string[] } | { area: string; quantity: number }, base?: string): Promise<Hold> {
  const r = await api<Hold>("/api/bookings", { token: who.access, body: { event_id: eventId, ...what }, ...(base ? { base } : {}) });
  if (r.status !== 201) throw new Error(`booking failed: ${r.status} ${JSON.stringify(r.body)}`);
  const pay = await openCheckout(who.access, r.body.booking_id, base);
  return { ...r.body, payment: { payment_intent_id: pay.payment_intent_id, client_secret: pay.client_secret } };
}

export async function checkout(b: Hold, outcome: "succeeded" | "failed" = "succeeded"): Promise<void> {
  const r = await api(`/api/payment/simulator/${b.payment.payment_intent_id}/complete`, { body: { client_secret: b.payment.client_secret, outcome } });
  if (r.status !== 202) throw new Error(`checkout failed: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Every message Postgres's outbox holds for these aggregates (booking ids, event ids), in order. */
export async function outboxOf(db: Db, aggregateIds: string[]): Promise<Envelope[]> {
  const rows = await db.select().from(outbox).where(inArray(outbox.aggregateId, aggregateIds)).orderBy(asc(outbox.seq));
  return rows.map((r) => envelopeSchema.parse(r.envelope));
}

/** Waits until Postgres's outbox holds a message of each type for `aggregateId`. */
export async function outboxHas(db: Db, aggregateId: string, types: MessageType[], ms = 60_000): Promise<Envelope[]> {
  return eventually(async () => {
    const all = await outboxOf(db, [aggregateId]);
    return types.every((t) => all.some((e) => e.event_type === t)) ? all : undefined;
  }, ms, `${types.join(", ")} for ${aggregateId} in Postgres`);
}
