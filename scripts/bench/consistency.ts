/**
 * After the scenarios: every 201 is one held seat, in the EventRoom and (once its outbox has
 * flushed) in Postgres; every paid flow is one sold seat and one confirmed booking on both sides;
 * the money captured equals the confirmed totals.
 */
import { and, count, eq, sql } from "drizzle-orm";
import { bookings, payments, seats } from "../../src/db/schema";
import { openNodeDb } from "../../workers/db";
import type { ScenarioRun } from "./load";
import { waitForOutbox } from "./outbox";
import type { PayOutcome } from "./scenarios/pay";
import type { BenchContext } from "./setup";

export interface PayConsistency {
  flows: number;
  /** How long after the last pay flow's 202 every booking was confirmed (webhook delivery + saga). */
  confirm_drain_ms: number;
  room_sold_seats: number;
  room_confirmed: number;
  postgres_sold_seats: number;
  postgres_confirmed: number;
  /** Sum of confirmed bookings' totals and of captured payments, in minor units: must be equal. */
  confirmed_total: number;
  captured_total: number;
}

export interface Consistency {
  pay: PayConsistency;
  ok: boolean;
  created_201: number;
  postgres_held_seats: number;
  postgres_reserved_bookings: number;
  room_held_seats: number;
  room_reserved_bookings: number;
  outbox_pending: number;
}

/** How far Postgres trailed the EventRoom after the last scenario. */
export interface OutboxLag {
  /** EventRoom outbox messages not yet in Postgres when the scenarios were over. */
  backlog_after_load: number;
  /** How long after that the outbox was empty. */
  drain_ms: number;
}

export async function checkConsistency(ctx: BenchContext, databaseUrl: string, reserve: ScenarioRun, paid: PayOutcome): Promise<{ consistency: Consistency; outbox: OutboxLag; postgresVersion: string }> {
  ctx.log("waiting for the EventRoom outbox to reach Postgres");
  const { stats, pendingAtStart, waitedMs } = await waitForOutbox(ctx);
  const created = reserve.warmup.ok + reserve.result.requests - reserve.result.errors;
  const outbox: OutboxLag = { backlog_after_load: pendingAtStart, drain_ms: Math.round(waitedMs) };
  const eventId = ctx.event.event_id;
  const { db, close } = await openNodeDb(databaseUrl, 1);
  try {
    const [sold] = await db.select({ n: count() }).from(seats).where(and(eq(seats.eventId, eventId), eq(seats.status, "sold")));
    const [confirmed] = await db.select({ n: count(), total: sql<number>`coalesce(sum(${bookings.totalAmount}), 0)::bigint` }).from(bookings)
      .where(and(eq(bookings.eventId, eventId), eq(bookings.status, "confirmed")));
    const [captured] = await db.select({ total: sql<number>`coalesce(sum(${payments.amount}), 0)::bigint` }).from(payments)
      .where(and(eq(payments.eventId, eventId), eq(payments.status, "succeeded")));
    const [held] = await db.select({ n: count() }).from(seats).where(and(eq(seats.eventId, eventId), eq(seats.status, "held")));
    const [reserved] = await db.select({ n: count() }).from(bookings).where(and(eq(bookings.eventId, eventId), eq(bookings.status, "reserved")));
    const version = await db.execute(sql`SHOW server_version`);
    const pgHeld = held?.n ?? 0;
    const pgReserved = reserved?.n ?? 0;
    const roomReserved = stats.bookings.reserved ?? 0;
    const pay: PayConsistency = {
      flows: paid.flows, confirm_drain_ms: paid.confirmDrainMs, room_sold_seats: stats.seats.sold, room_confirmed: stats.bookings.confirmed ?? 0,
      postgres_sold_seats: sold?.n ?? 0, postgres_confirmed: confirmed?.n ?? 0,
      confirmed_total: Number(confirmed?.total ?? 0), captured_total: Number(captured?.total ?? 0),
    };
    const consistency: Consistency = {
      ok: pgHeld === created && pgReserved === created && stats.seats.held === created && roomReserved === created &&
        pay.room_sold_seats === pay.flows && pay.room_confirmed === pay.flows && pay.postgres_sold_seats === pay.flows &&
        pay.postgres_confirmed === pay.flows && pay.confirmed_total === pay.captured_total,
      created_201: created, postgres_held_seats: pgHeld, postgres_reserved_bookings: pgReserved,
      room_held_seats: stats.seats.held, room_reserved_bookings: roomReserved, outbox_pending: stats.outbox_pending, pay,
    };
    ctx.log(`consistency ${consistency.ok ? "OK" : "FAILED"}: 201s ${created}, Postgres held ${pgHeld}, EventRoom held ${stats.seats.held}; ` +
      `outbox backlog ${outbox.backlog_after_load} messages after the load, drained in ${outbox.drain_ms} ms`);
    return { consistency, outbox, postgresVersion: String(version.rows[0]?.server_version ?? "unknown") };
  } finally {
    await close();
  }
}
