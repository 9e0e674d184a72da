/** What the room shows: the seat map's live state, the sale's totals, and the organizer's live counts. Reads only. */
import { BOOKING_STATES, type BookingState } from "../../src/domain/booking-state";
import { noShowRate, waitPercentiles } from "../../src/domain/live-history";
import type { AreaStatus, LiveCounts, RoomSnapshot, RoomStats, SeatMapRead, SeatStatus } from "./contract";
import type { LiveFigures } from "./live-history";
import type { RoomMeta } from "./meta";
import type { RoomOutbox } from "./outbox";
import type { WaitingRoom } from "./waiting-room";

type Row = Record<string, SqlStorageValue>;
const SEAT_STATES = ["available", "held", "sold"] as const;

export interface StatsDeps {
  sql: SqlStorage;
  meta: RoomMeta;
  outbox: Pick<RoomOutbox, "pending">;
  queue: Pick<WaitingRoom, "counts" | "watermark" | "settings">;
}

export class RoomStatsReader {
  /** The last snapshot made and its version: edges revalidating every second mostly ask for the same one. */
  private memo: { version: string; snapshot: RoomSnapshot } | null = null;

  constructor(private readonly deps: StatsDeps) {}

  /**
   * The seat map's version: the room's status and the outbox's last sequence number. Every change
   * of a seat or area writes an outbox message in the same transaction (Postgres learns seat
   * states only from them), and AUTOINCREMENT never hands out a number twice, even after old
   * messages are deleted, so any change moves it.
   */
  seatsVersion(): string {
    const row = this.deps.sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").toArray()[0];
    return `${this.deps.meta.status()}.${row?.seq ?? 0}`;
  }

  /** The seat map unless `known` is still its version. */
  seatMapSince(known: string | null): SeatMapRead {
    const version = this.seatsVersion();
    const at = Date.now();
    if (known === version) return { version, snapshot: null, at };
    if (this.memo?.version !== version) this.memo = { version, snapshot: this.snapshot() };
    return { version, snapshot: this.memo.snapshot, at };
  }

  snapshot(): RoomSnapshot {
    const { sql, meta } = this.deps;
    const seats = sql.exec<SeatStatus & Row>("SELECT seat_id, section, row, number, price, status FROM seats ORDER BY section, row, number").toArray();
    const areas = sql.exec<AreaStatus & Row>("SELECT name, price, capacity, capacity - held - sold AS available, held, sold FROM areas ORDER BY name").toArray();
    return {
      event_id: meta.get("event_id"), status: meta.status(), currency: meta.currency(),
      seats: seats.map((s) => ({ ...s })), areas: areas.map((a) => ({ ...a })),
    };
  }

  stats(): RoomStats {
    const { sql, meta } = this.deps;
    const seatCounts = { available: 0, held: 0, sold: 0 };
    for (const r of sql.exec<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM seats GROUP BY status")) {
      const state = SEAT_STATES.find((s) => s === r.status);
      if (state) seatCounts[state] = r.n;
    }
    const a = sql.exec<{ cap: number | null; held: number | null; sold: number | null }>("SELECT SUM(capacity) AS cap, SUM(held) AS held, SUM(sold) AS sold FROM areas").one();
    const bookings: Record<BookingState, number> = { reserved: 0, confirmed: 0, cancelled: 0, expired: 0, refunded: 0 };
    let revenue = 0;
    for (const r of sql.exec<{ status: string; n: number; amount: number }>("SELECT status, COUNT(*) AS n, SUM(total_amount) AS amount FROM bookings GROUP BY status")) {
      const state = BOOKING_STATES.find((s) => s === r.status);
      if (state) bookings[state] = r.n;
      if (state === "confirmed") revenue = r.amount;
    }
    return {
      status: meta.status(), seats: seatCounts,
      areas: { available: (a.cap ?? 0) - (a.held ?? 0) - (a.sold ?? 0), held: a.held ?? 0, sold: a.sold ?? 0 },
      bookings, revenue, outbox_pending: this.deps.outbox.pending(),
    };
  }

  liveCounts(now: number): LiveCounts {
    const st = this.stats();
    return {
      ...this.deps.queue.counts(now),
      held: st.seats.held + st.areas.held, sold: st.seats.sold + st.areas.sold, available: st.seats.available + st.areas.available,
    };
  }

  /** What the dashboard's hour is made of (live-history.ts): the live counts, money, the caps, waits and no-shows. */
  liveFigures(now: number): LiveFigures {
    const { sql, queue } = this.deps;
    const st = this.stats();
    const line = queue.counts(now);
    const wm = queue.watermark(now);
    const s = queue.settings();
    const waits = waitPercentiles(wm.forecast, wm.admittedThrough, line.waiting, now);
    // A turn ends as 'done' when the shopper booked, 'lapsed' when the session ran out first.
    const turns = sql.exec<{ lapsed: number; booked: number }>(
      "SELECT COALESCE(SUM(state = 'lapsed'), 0) AS lapsed, COALESCE(SUM(state = 'done'), 0) AS booked FROM queue").one();
    const seats = st.seats.available + st.seats.held + st.seats.sold;
    const areas = st.areas.available + st.areas.held + st.areas.sold;
    return {
      joined: line.joined, waiting: line.waiting, admitted: wm.admittedThrough, active: line.active,
      held: st.seats.held + st.areas.held, sold: st.seats.sold + st.areas.sold, capacity: seats + areas, revenue: st.revenue,
      admit_per_minute: s?.admit_per_minute ?? 0, max_active: s?.max_active ?? 0,
      wait_p50: waits.p50, wait_p90: waits.p90, no_show_rate: noShowRate(turns.lapsed, turns.booked),
    };
  }
}
