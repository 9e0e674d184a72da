/**
 * The one writer of bookings, booking_items, tickets and payments, and of seat and area status:
 * messages are recorded in the Postgres outbox and applied here in the same transaction. Every
 * producer goes through `recordMessages` (the EventRoom's flush, the payment settlement), so a
 * change reaches Postgres and the bus together, once.
 */
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { bookingItems, bookings, outbox, payments, tickets } from "../db/schema";
import type { Logger } from "../log";
import { parseMessage, type Message, type MessageOf, type Payload } from "./catalogue";
import type { OutboxMessage } from "./envelope";
import { outboxRow } from "./outbox-rows";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
type BookingCreated = Payload<"BookingCreated">;
type PaymentMessage = MessageOf<"PaymentIntentCreated" | "PaymentSucceeded" | "PaymentFailed" | "RefundProcessed" | "UnmatchedPaymentReceived" | "UnmatchedPaymentRefunded" | "PaymentCanceled">;

/** What a batch of messages changes, folded in order so that only final states are written. */
export interface Changes {
  newBookings: Map<string, BookingCreated>;
  bookingStatus: Map<string, { status: BookingCreated["status"]; at: Date }>;
  seats: Map<string, { eventId: string; seatId: string; status: "available" | "held" | "sold"; bookingId: string | null }>;
  areas: Map<string, { eventId: string; name: string; held: number; sold: number }>;
  tickets: { ticketId: string; bookingId: string; eventId: string; userId: string; itemId: string; issuedAt: Date }[];
  voidTickets: Set<string>;
  payments: PaymentMessage[];
}

/**
 * Folds messages (already deduplicated, in the producer's order) into final states. Pure: the
 * order within a batch decides (a hold then its release leaves the seat available), and every
 * table is then written with a handful of set-based statements instead of one round trip per message.
 */
export function foldBatch(messages: Message[]): Changes {
  const c: Changes = { newBookings: new Map(), bookingStatus: new Map(), seats: new Map(), areas: new Map(), tickets: [], voidTickets: new Set(), payments: [] };
  const area = (eventId: string, name: string) => {
    const key = `${eventId}|${name}`;
    let a = c.areas.get(key);
    if (!a) c.areas.set(key, (a = { eventId, name, held: 0, sold: 0 }));
    return a;
  };
  for (const m of messages) {
    const at = new Date(m.timestamp);
    switch (m.event_type) {
      case "BookingCreated":
        c.newBookings.set(m.data.booking_id, m.data);
        break;
      case "BookingConfirmed":
        for (const t of m.data.tickets) c.tickets.push({ ticketId: t.ticket_id, bookingId: m.data.booking_id, eventId: m.data.event_id, userId: m.data.user_id, itemId: t.item_id, issuedAt: at });
        c.bookingStatus.set(m.data.booking_id, { status: m.data.status, at });
        break;
      case "BookingCancelled":
      case "BookingExpired":
        c.bookingStatus.set(m.data.booking_id, { status: m.data.status, at });
        break;
      case "SeatsReserved":
      case "SeatsConfirmed":
      case "SeatsReleased": {
        const d = m.data;
        const status = m.event_type === "SeatsReserved" ? "held" : m.event_type === "SeatsConfirmed" ? "sold" : "available";
        for (const seatId of d.seat_ids) {
          c.seats.set(`${d.event_id}|${seatId}`, { eventId: d.event_id, seatId, status, bookingId: status === "available" ? null : d.booking_id });
        }
        if (d.area && d.quantity) {
          const a = area(d.event_id, d.area);
          if (m.event_type === "SeatsReserved") a.held += d.quantity;
          else if (m.event_type === "SeatsConfirmed") { a.held -= d.quantity; a.sold += d.quantity; }
          else if (m.data.from === "sold") a.sold -= d.quantity;
          else a.held -= d.quantity;
        }
        break;
      }
      case "RefundProcessed":
        if ("status" in m.data) {
          c.bookingStatus.set(m.data.booking_id, { status: m.data.status, at });
          c.voidTickets.add(m.data.booking_id);
        }
        c.payments.push(m);
        break;
      case "PaymentIntentCreated":
      case "PaymentSucceeded":
      case "PaymentFailed":
      case "UnmatchedPaymentReceived":
      case "UnmatchedPaymentRefunded":
      case "PaymentCanceled":
        c.payments.push(m);
        break;
      case "EventCreated":
      case "EventPublished":
      case "EventUpdated":
      case "EventCancelled":
        // The Worker writes the events table itself; these only travel on to the bus.
        break;
    }
  }
  return c;
}

const values = (rows: SQL[]) => sql.join(rows, sql`, `);

/**
 * Records messages now: each in the Postgres outbox (which the Kafka bridge publishes) and its
 * effect on the tables, in one transaction. The message id is the idempotency key: a message
 * already in the outbox was applied in the same transaction, so a retried batch, or one that
 * partly overlaps an earlier one, changes nothing twice. A message whose data does not fit its
 * type is recorded as it is (so nothing is lost) but changes no table; it is logged.
 */
export async function recordMessages(db: Db, messages: OutboxMessage[], log?: Logger): Promise<{ applied: number; duplicates: number }> {
  if (!messages.length) return { applied: 0, duplicates: 0 };
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(outbox).values(messages.map(outboxRow)).onConflictDoNothing({ target: outbox.messageId }).returning({ id: outbox.messageId });
    const fresh = new Set(inserted.map((r) => r.id));
    const typed: Message[] = [];
    for (const m of messages) {
      if (!fresh.has(m.envelope.event_id)) continue;
      const parsed = parseMessage(m.envelope);
      if (parsed.ok) typed.push(parsed.message);
      else log?.warn("message recorded without effect: its data does not fit its type", { message_id: m.envelope.event_id, event_type: m.envelope.event_type, error: parsed.error });
    }
    await writeChanges(tx, foldBatch(typed));
    return { applied: fresh.size, duplicates: messages.length - fresh.size };
  });
}

async function writeChanges(tx: Tx, c: Changes): Promise<void> {
  if (c.newBookings.size) {
    const created = [...c.newBookings.values()];
    await tx.insert(bookings).values(created.map((b) => {
      const final = c.bookingStatus.get(b.booking_id);
      return {
        bookingId: b.booking_id, eventId: b.event_id, userId: b.user_id, status: final?.status ?? "reserved", totalAmount: b.total_amount,
        currency: b.currency, expiresAt: new Date(b.expires_at), createdAt: new Date(b.created_at), updatedAt: final?.at ?? new Date(b.created_at),
      };
    })).onConflictDoNothing();
    await tx.insert(bookingItems).values(created.flatMap((b) => b.items.map((i) => ({
      bookingId: b.booking_id, itemId: i.item_id, kind: i.kind, quantity: i.quantity, unitPrice: i.unit_price,
    })))).onConflictDoNothing();
  }
  const updates = [...c.bookingStatus].filter(([id]) => !c.newBookings.has(id));
  if (updates.length) {
    await tx.execute(sql`UPDATE bookings SET status = v.status, updated_at = v.at
      FROM (VALUES ${values(updates.map(([id, s]) => sql`(${id}::uuid, ${s.status}, ${s.at.toISOString()}::timestamptz)`))}) AS v(id, status, at)
      WHERE bookings.booking_id = v.id`);
  }
  if (c.seats.size) {
    await tx.execute(sql`UPDATE seats SET status = v.status, booking_id = v.booking_id
      FROM (VALUES ${values([...c.seats.values()].map((s) => sql`(${s.eventId}::uuid, ${s.seatId}, ${s.status}, ${s.bookingId}::uuid)`))}) AS v(event_id, seat_id, status, booking_id)
      WHERE seats.event_id = v.event_id AND seats.seat_id = v.seat_id`);
  }
  const areas = [...c.areas.values()].filter((a) => a.held || a.sold);
  if (areas.length) {
    await tx.execute(sql`UPDATE ga_areas SET held = ga_areas.held + v.dh, sold = ga_areas.sold + v.ds
      FROM (VALUES ${values(areas.map((a) => sql`(${a.eventId}::uuid, ${a.name}, ${a.held}::int, ${a.sold}::int)`))}) AS v(event_id, name, dh, ds)
      WHERE ga_areas.event_id = v.event_id AND ga_areas.name = v.name`);
  }
  if (c.tickets.length) await tx.insert(tickets).values(c.tickets).onConflictDoNothing();
  if (c.voidTickets.size) await tx.update(tickets).set({ status: "void" }).where(inArray(tickets.bookingId, [...c.voidTickets]));
  // Payment messages are few; they touch only the payments table, in order.
  for (const m of c.payments) await applyPayment(tx, m);
}

async function applyPayment(tx: Tx, m: PaymentMessage): Promise<void> {
  const at = new Date(m.timestamp);
  switch (m.event_type) {
    case "PaymentIntentCreated": {
      const p = m.data;
      await tx.insert(payments).values({
        paymentIntentId: p.payment_intent_id, bookingId: p.booking_id, eventId: p.event_id, userId: p.user_id, provider: p.provider,
        amount: p.amount, currency: p.currency, status: "requires_payment",
      }).onConflictDoNothing();
      return;
    }
    case "PaymentSucceeded": {
      const p = m.data;
      const refund = p.outcome === "refund_queued";
      const status = refund ? "refund_pending" : "succeeded";
      const note = p.outcome === "refund_queued" ? p.reason : p.outcome;
      await tx.insert(payments).values({
        paymentIntentId: p.payment_intent_id, bookingId: p.booking_id, eventId: p.event_id, userId: p.user_id, provider: p.provider,
        amount: p.amount, currency: p.currency, status, note,
      }).onConflictDoUpdate({ target: payments.paymentIntentId, set: { status, note, updatedAt: at } });
      return;
    }
    case "PaymentFailed":
      await tx.update(payments).set({ status: "failed", updatedAt: at })
        .where(and(eq(payments.paymentIntentId, m.data.payment_intent_id), eq(payments.status, "requires_payment")));
      return;
    case "RefundProcessed": {
      const p = m.data;
      if (!p.payment_intent_id) return;
      const note = "reason" in p ? p.reason : null;
      await tx.update(payments).set({ status: "refunded", updatedAt: at, ...(note ? { note } : {}) }).where(eq(payments.paymentIntentId, p.payment_intent_id));
      return;
    }
    case "UnmatchedPaymentReceived": {
      const p = m.data;
      await tx.insert(payments).values({
        paymentIntentId: p.payment_intent_id, bookingId: p.booking_id, eventId: p.event_id, provider: p.provider,
        amount: p.amount, currency: p.currency, status: "refund_pending", note: p.reason,
      }).onConflictDoUpdate({ target: payments.paymentIntentId, set: { status: "refund_pending", note: p.reason, updatedAt: at } });
      return;
    }
    case "UnmatchedPaymentRefunded":
      await tx.update(payments).set({ status: "refunded", updatedAt: at }).where(eq(payments.paymentIntentId, m.data.payment_intent_id));
      return;
    case "PaymentCanceled":
      await tx.update(payments).set({ status: "canceled", updatedAt: at }).where(eq(payments.paymentIntentId, m.data.payment_intent_id));
      return;
  }
}
