import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../src/db/client";
import { outboxRow } from "../src/db/outbox";
import { bookingItems, bookings, gaAreas, outbox, payments, seats, tickets } from "../src/db/schema";
import type { OutboxMessage } from "../src/domain/envelope";
import type { BookingItem, BookingView, TicketInfo } from "./room-types";

interface PaymentData { booking_id: string; event_id: string; user_id: string; payment_intent_id: string; amount: number; currency: string; provider?: "stripe" | "simulator"; outcome?: string; reason?: string }

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Applies a batch of EventRoom outbox messages to Postgres in one transaction, in order.
 * The message id is the idempotency key: a message already in the Postgres outbox was already
 * applied (same transaction), so a retried batch, or one that partly overlaps an earlier one,
 * changes nothing twice. The Postgres outbox row is also what the Kafka bridge later publishes.
 */
export async function applyToPostgres(db: Db, messages: OutboxMessage[]): Promise<{ applied: number; duplicates: number }> {
  if (!messages.length) return { applied: 0, duplicates: 0 };
  return db.transaction(async (tx) => {
    const ids = messages.map((m) => m.envelope.event_id);
    const seen = new Set((await tx.select({ id: outbox.messageId }).from(outbox).where(inArray(outbox.messageId, ids))).map((r) => r.id));
    let applied = 0;
    for (const m of messages) {
      if (seen.has(m.envelope.event_id)) continue;
      seen.add(m.envelope.event_id);
      await tx.insert(outbox).values(outboxRow(m));
      await project(tx, m);
      applied++;
    }
    return { applied, duplicates: messages.length - applied };
  });
}

async function project(tx: Tx, m: OutboxMessage): Promise<void> {
  const data = m.envelope.data;
  switch (m.envelope.event_type) {
    case "BookingCreated": {
      const b = data as unknown as BookingView;
      await tx.insert(bookings).values({
        bookingId: b.booking_id, eventId: b.event_id, userId: b.user_id, status: "reserved", totalAmount: b.total_amount,
        currency: b.currency, expiresAt: new Date(b.expires_at), createdAt: new Date(b.created_at), updatedAt: new Date(b.created_at),
      }).onConflictDoNothing();
      await tx.insert(bookingItems).values(b.items.map((i: BookingItem) => ({
        bookingId: b.booking_id, itemId: i.item_id, kind: i.kind, quantity: i.quantity, unitPrice: i.unit_price,
      }))).onConflictDoNothing();
      return;
    }
    case "BookingConfirmed":
    case "BookingCancelled":
    case "BookingExpired": {
      const b = data as unknown as BookingView & { tickets?: TicketInfo[] };
      const at = new Date(m.envelope.timestamp);
      await tx.update(bookings).set({ status: b.status, updatedAt: at }).where(eq(bookings.bookingId, b.booking_id));
      if (b.tickets?.length) {
        await tx.insert(tickets).values(b.tickets.map((t) => ({
          ticketId: t.ticket_id, bookingId: b.booking_id, eventId: b.event_id, userId: b.user_id, itemId: t.item_id, issuedAt: at,
        }))).onConflictDoNothing();
      }
      return;
    }
    case "PaymentIntentCreated": {
      const p = data as unknown as PaymentData;
      await tx.insert(payments).values({
        paymentIntentId: p.payment_intent_id, bookingId: p.booking_id, eventId: p.event_id, userId: p.user_id, provider: p.provider ?? "stripe",
        amount: p.amount, currency: p.currency, status: "requires_payment",
      }).onConflictDoNothing();
      return;
    }
    case "PaymentSucceeded": {
      const p = data as unknown as PaymentData;
      const refund = p.outcome === "refund_queued";
      const status = refund ? "refund_pending" as const : "succeeded" as const;
      await tx.insert(payments).values({
        paymentIntentId: p.payment_intent_id, bookingId: p.booking_id, eventId: p.event_id, userId: p.user_id, provider: "stripe",
        amount: p.amount, currency: p.currency, status, note: refund ? p.reason ?? null : p.outcome ?? null,
      }).onConflictDoUpdate({ target: payments.paymentIntentId, set: { status, note: refund ? p.reason ?? null : p.outcome ?? null, updatedAt: new Date(m.envelope.timestamp) } });
      return;
    }
    case "PaymentFailed": {
      const p = data as unknown as PaymentData;
      await tx.update(payments).set({ status: "failed", updatedAt: new Date(m.envelope.timestamp) })
        .where(and(eq(payments.paymentIntentId, p.payment_intent_id), eq(payments.status, "requires_payment")));
      return;
    }
    case "RefundProcessed": {
      const p = data as unknown as PaymentData & { status?: string; reason?: string };
      const at = new Date(m.envelope.timestamp);
      await tx.update(payments).set({ status: "refunded", updatedAt: at, ...(p.reason ? { note: p.reason } : {}) }).where(eq(payments.paymentIntentId, p.payment_intent_id));
      if (p.status === "refunded") {
        await tx.update(bookings).set({ status: "refunded", updatedAt: at }).where(eq(bookings.bookingId, p.booking_id));
        await tx.update(tickets).set({ status: "void" }).where(eq(tickets.bookingId, p.booking_id));
      }
      return;
    }
    case "SeatsReserved":
    case "SeatsConfirmed":
    case "SeatsReleased": {
      const d = data as { event_id: string; booking_id: string; seat_ids: string[]; area: string | null; quantity: number | null; from?: "held" | "sold" };
      const type = m.envelope.event_type;
      if (d.seat_ids.length) {
        const status = type === "SeatsReserved" ? "held" : type === "SeatsConfirmed" ? "sold" : "available";
        await tx.update(seats)
          .set({ status, bookingId: status === "available" ? null : d.booking_id })
          .where(and(eq(seats.eventId, d.event_id), inArray(seats.seatId, d.seat_ids)));
      }
      if (d.area && d.quantity) {
        const q = d.quantity;
        const change = type === "SeatsReserved" ? { held: sql`${gaAreas.held} + ${q}` }
          : type === "SeatsConfirmed" ? { held: sql`${gaAreas.held} - ${q}`, sold: sql`${gaAreas.sold} + ${q}` }
          : d.from === "sold" ? { sold: sql`${gaAreas.sold} - ${q}` } : { held: sql`${gaAreas.held} - ${q}` };
        await tx.update(gaAreas).set(change).where(and(eq(gaAreas.eventId, d.event_id), eq(gaAreas.name, d.area)));
      }
      return;
    }
    default:
      // Other types (event and payment messages) only travel on to the bus.
      return;
  }
}
