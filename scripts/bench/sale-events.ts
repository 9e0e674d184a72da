/**
 * The extra events of the load models (open, spike, multi-event): each a published event of its
 * own, so its room starts empty and its sales never mix with the closed scenarios'. Every 201 is
 * counted per event, and afterwards each event must hold exactly that many seats in its room and,
 * once the outbox has drained, in Postgres.
 */
import { and, count, eq, inArray } from "drizzle-orm";
import { seats } from "../../src/db/schema";
import { openNodeDb } from "../../workers/db";
import { request, type Op } from "./load";
import { waitForOutbox } from "./outbox";
import { api, seatIdAt, seatMapFor, type BenchContext, type CreatedEvent } from "./setup";

export interface SaleEvents {
  create(title: string, seatCount: number): Promise<CreatedEvent>;
  /** POST /api/bookings for seat `firstSeat + i` of the event; a 201 is counted for the check. */
  reserveOp(eventId: string, firstSeat: number): Op;
  /** Per event: 201s = seats the room holds = seats Postgres holds (after the outbox drained). */
  check(databaseUrl: string): Promise<HeldCheck>;
}

export interface HeldCheck {
  ok: boolean;
  events: { event_id: string; title: string; created_201: number; room_held_seats: number; postgres_held_seats: number; outbox_drain_ms: number }[];
}

export function saleEvents(ctx: BenchContext): SaleEvents {
  const created = new Map<string, { title: string; n: number }>();
  const token = ctx.organizer.access_token;
  const startDate = new Date(Date.now() + 30 * 86400_000).toISOString();
  return {
    async create(title, seatCount) {
      const event = await api<CreatedEvent>(ctx.appUrl, "POST", "/api/events", 201, {
        token, body: { title, category: "concert", venue: "Bench Hall", currency: "KRW", start_date: startDate, seat_map: seatMapFor(seatCount) },
      });
      await api(ctx.appUrl, "POST", `/api/events/${event.event_id}/publish`, 200, { token });
      created.set(event.event_id, { title, n: 0 });
      return event;
    },
    reserveOp(eventId, firstSeat) {
      const send = request((i) => ({
        url: `${ctx.appUrl}/api/bookings`,
        init: { method: "POST", headers: ctx.userHeaders[i % ctx.userHeaders.length], body: JSON.stringify({ event_id: eventId, seat_ids: [seatIdAt(firstSeat + i)] }) },
      }), 201);
      return async (i) => {
        const error = await send(i);
        const entry = created.get(eventId);
        if (!error && entry) entry.n++;
        return error;
      };
    },
    async check(databaseUrl) {
      const events: HeldCheck["events"] = [];
      for (const [eventId, { title, n }] of created) {
        const { stats, waitedMs } = await waitForOutbox(ctx, eventId);
        events.push({ event_id: eventId, title, created_201: n, room_held_seats: stats.seats.held, postgres_held_seats: 0, outbox_drain_ms: Math.round(waitedMs) });
      }
      const { db, close } = await openNodeDb(databaseUrl, 1);
      try {
        const ids = events.map((e) => e.event_id);
        const rows = ids.length ? await db.select({ eventId: seats.eventId, n: count() }).from(seats)
          .where(and(inArray(seats.eventId, ids), eq(seats.status, "held"))).groupBy(seats.eventId) : [];
        for (const e of events) e.postgres_held_seats = rows.find((r) => r.eventId === e.event_id)?.n ?? 0;
      } finally {
        await close();
      }
      return { ok: events.every((e) => e.created_201 === e.room_held_seats && e.created_201 === e.postgres_held_seats), events };
    },
  };
}
