import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../src/db/client";
import { outboxRow } from "../src/db/outbox";
import { bookingItems, bookings, outbox, payments, tickets } from "../src/db/schema";
import type { OutboxMessage } from "../src/domain/envelope";
import type { BookingItem, BookingView, TicketInfo } from "./room-types";

interface PaymentData { booking_id: string; event_id: string; user_id: string; payment_intent_id: string; amount: number; currency: string; provider?: "stripe" | "simulator"; outcome?: string; reason?: string; status?: string }
interface InventoryData { event_id: string; booking_id: string; seat_ids: string[]; area: string | null; quantity: number | null; from?: "held" | "sold" }

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** What a batch of room messages changes, folded in order so that only final states are written. */
export interface Changes {
  newBookings: Map<string, BookingView>;
  bookingStatus: Map<string, { status: string; at: Date }>;
  seats: Map<string, { eventId: string; seatId: string; status: "available" | "held" | "sold"; bookingId: string | null }>;
  areas: Map<string, { eventId: string; name: string; held: number; sold: number }>;
  tickets: { ticketId: string; bookingId: string; eventId: string; userId: string; itemId: string; issuedAt: Date }[];
  voidTickets: Set<string>;
  payments: OutboxMessage[];
}

/**
 * Folds messages (already deduplicated, in the room's order) into final states. Pure: the order
 * within a batch decides (a hold then its release leaves the seat available), and every table
 * is then written with a handful of set-based statements instead of one round trip per message.
 */
export function foldBatch(messages: OutboxMessage[]): Changes {
  const c: Changes = { newBookings: new Map(), bookingStatus: new Map(), seats: new Map(), areas: new Map(), tickets: [], voidTickets: new Set(), payments: [] };
  const area = (eventId: string, name: string) => {
    const key = `${eventId}|${name}`;
    let a = c.areas.get(key);
    if (!a) c.areas.set(key, (a = { eventId, name, held: 0, sold: 0 }));
    return a;
  };
  for (const m of messages) {
    const at = new Date(m.envelope.timestamp);
    const type = m.envelope.event_type;
    switch (type) {
      case "BookingCreated": {
        const b = m.envelope.data as unknown as BookingView;
        c.newBookings.set(b.booking_id, b);
        break;
      }
      case "BookingConfirmed":
      case "BookingCancelled":
      case "BookingExpired": {
        const b = m.envelope.data as unknown as BookingView & { tickets?: TicketInfo[] };
        c.bookingStatus.set(b.booking_id, { status: b.status, at });
        for (const t of b.tickets ?? []) c.tickets.push({ ticketId: t.ticket_id, bookingId: b.booking_id, eventId: b.event_id, userId: b.user_id, itemId: t.item_id, issuedAt: at });
        break;
      }
      case "SeatsReserved":
      case "SeatsConfirmed":
      case "SeatsReleased": {
        const d = m.envelope.data as unknown as InventoryData;
        const status = type === "SeatsReserved" ? "held" : type === "SeatsConfirmed" ? "sold" : "available";
        for (const seatId of d.seat_ids) {
          c.seats.set(`${d.event_id}|${seatId}`, { eventId: d.event_id, seatId, status, bookingId: status === "available" ? null : d.booking_id });
        }
        if (d.area && d.quantity) {
          const a = area(d.event_id, d.area);
          if (type === "SeatsReserved") a.held += d.quantity;
          else if (type === "SeatsConfirmed") { a.held -= d.quantity; a.sold += d.quantity; }
          else if (d.from === "sold") a.sold -= d.quantity;
          else a.held -= d.quantity;
        }
        break;
      }
      case "RefundProcessed": {
        const p = m.envelope.data as unknown as PaymentData;
        if (p.status === "refunded") {
          c.bookingStatus.set(p.booking_id, { status: "refunded", at });
          c.voidTickets.add(p.booking_id);
        }
        c.payments.push(m);
        break;
      }
      case "PaymentIntentCreated":
      case "PaymentSucceeded":
      case "PaymentFailed":
        c.payments.push(m);
        break;
      default:
        // Event messages only travel on to the bus.
        break;
    }
  }
  return c;
}

const values = (rows: SQL[]) => sql.join(rows, sql`, `);

/**
 * Applies a batch of EventRoom outbox messages to Postgres in one transaction. The message id is
 * the idempotency key: a message already in the Postgres outbox was applied in the same
 * transaction, so a retried batch, or one that partly overlaps an earlier one, changes nothing
 * twice. The Postgres outbox row is also what the Kafka bridge publishes.
 */
export async function applyToPostgres(db: Db, messages: OutboxMessage[]): Promise<{ applied: number; duplicates: number }> {
  if (!messages.length) return { applied: 0, duplicates: 0 };
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(outbox).values(messages.map(outboxRow)).onConflictDoNothing({ target: outbox.messageId }).returning({ id: outbox.messageId });
    const fresh = new Set(inserted.map((r) => r.id));
    const c = foldBatch(messages.filter((m) => fresh.has(m.envelope.event_id)));
    await writeChanges(tx, c);
    return { applied: fresh.size, duplicates: messages.length - fresh.size };
  });
}

async function writeChanges(tx: Tx, c: Changes): Promise<void> {
  if (c.newBookings.size) {
    const created = [...c.newBookings.values()];
    await tx.insert(bookings).values(created.map((b) => {
      const final = c.bookingStatus.get(b.booking_id);
      return {
        bookingId: b.booking_id, eventId: b.event_id, userId: b.user_id, status: (final?.status ?? "reserved") as BookingView["status"], totalAmount: b.total_amount,
        currency: b.currency, expiresAt: new Date(b.expires_at), createdAt: new Date(b.created_at), updatedAt: final?.at ?? new Date(b.created_at),
      };
    })).onConflictDoNothing();
    await tx.insert(bookingItems).values(created.flatMap((b) => b.items.map((i: BookingItem) => ({
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

async function applyPayment(tx: Tx, m: OutboxMessage): Promise<void> {
  const p = m.envelope.data as unknown as PaymentData;
  const at = new Date(m.envelope.timestamp);
  switch (m.envelope.event_type) {
    case "PaymentIntentCreated":
      await tx.insert(payments).values({
        paymentIntentId: p.payment_intent_id, bookingId: p.booking_id, eventId: p.event_id, userId: p.user_id, provider: p.provider ?? "stripe",
        amount: p.amount, currency: p.currency, status: "requires_payment",
      }).onConflictDoNothing();
      return;
    case "PaymentSucceeded": {
      const refund = p.outcome === "refund_queued";
      const status = refund ? "refund_pending" as const : "succeeded" as const;
      const note = refund ? p.reason ?? null : p.outcome ?? null;
      await tx.insert(payments).values({
        paymentIntentId: p.payment_intent_id, bookingId: p.booking_id, eventId: p.event_id, userId: p.user_id, provider: "stripe",
        amount: p.amount, currency: p.currency, status, note,
      }).onConflictDoUpdate({ target: payments.paymentIntentId, set: { status, note, updatedAt: at } });
      return;
    }
    case "PaymentFailed":
      await tx.update(payments).set({ status: "failed", updatedAt: at })
        .where(and(eq(payments.paymentIntentId, p.payment_intent_id), eq(payments.status, "requires_payment")));
      return;
    case "RefundProcessed":
      await tx.update(payments).set({ status: "refunded", updatedAt: at, ...(p.reason ? { note: p.reason } : {}) }).where(eq(payments.paymentIntentId, p.payment_intent_id));
      return;
    default:
      return;
  }
}
