/**
 * What the notifier reads from Postgres: who a buyer is (address, phone, language), the event,
 * and what each booking holds. Batched by page so a fan-out to thousands of buyers stays a few
 * queries per 500 of them.
 */
import { and, asc, eq, gt, inArray, type SQL } from "drizzle-orm";
import { bookingItems, bookings, events, users } from "../../src/db/schema";
import type { Executor } from "../consumers/processed";
import type { Recipient } from "./deliver";
import type { BookingFacts } from "./templates";
import type { TicketLine } from "./tickets";

export type EventRow = typeof events.$inferSelect;
export type BookingRow = typeof bookings.$inferSelect;
export interface Buyer { booking: BookingRow; recipient: Recipient; tickets: TicketLine[] }

const PAGE = 500;

export async function eventOf(db: Executor, eventId: string): Promise<EventRow | null> {
  const [e] = await db.select().from(events).where(eq(events.eventId, eventId));
  return e ?? null;
}

export async function recipientsOf(db: Executor, userIds: string[]): Promise<Map<string, Recipient>> {
  if (!userIds.length) return new Map();
  const rows = await db.select().from(users).where(inArray(users.userId, [...new Set(userIds)]));
  return new Map(rows.map((u) => [u.userId, { email: u.email, phone: u.phoneNumber, name: u.name, locale: u.locale === "en" ? "en" : "ko" }]));
}

export async function ticketsOf(db: Executor, bookingIds: string[]): Promise<Map<string, TicketLine[]>> {
  const out = new Map<string, TicketLine[]>();
  if (!bookingIds.length) return out;
  const rows = await db.select().from(bookingItems).where(inArray(bookingItems.bookingId, bookingIds)).orderBy(asc(bookingItems.bookingId), asc(bookingItems.itemId));
  for (const i of rows) {
    const list = out.get(i.bookingId) ?? [];
    list.push({ kind: i.kind, id: i.itemId, quantity: i.quantity });
    out.set(i.bookingId, list);
  }
  return out;
}

/** Every booking matching `where`, with its buyer and tickets, a page at a time (keyset by id). */
export async function* buyerPages(db: Executor, where: SQL | undefined): AsyncGenerator<Buyer[]> {
  let after: string | null = null;
  for (;;) {
    const rows: BookingRow[] = await db.select().from(bookings).where(after ? and(where, gt(bookings.bookingId, after)) : where)
      .orderBy(asc(bookings.bookingId)).limit(PAGE);
    if (!rows.length) return;
    const who = await recipientsOf(db, rows.map((b) => b.userId));
    const held = await ticketsOf(db, rows.map((b) => b.bookingId));
    yield rows.flatMap((b) => {
      const recipient = who.get(b.userId);
      return recipient ? [{ booking: b, recipient, tickets: held.get(b.bookingId) ?? [] }] : [];
    });
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]?.bookingId ?? null;
  }
}

/** The facts a notification about `booking` prints (the event as Postgres has it, unless told otherwise). */
export function factsOf(event: EventRow, b: { bookingId: string; tickets: TicketLine[]; amount: number; currency: string }, startDate = event.startDate): Omit<BookingFacts, "name"> {
  return { eventTitle: event.title, venue: event.venue, startDate, bookingId: b.bookingId, tickets: b.tickets, amount: b.amount, currency: b.currency };
}
