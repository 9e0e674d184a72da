import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";
import { canTransition, type BookingState } from "../src/domain/booking-state";
import { makeMessage, type EventType, type OutboxMessage } from "../src/domain/envelope";
import type { Currency } from "../src/domain/money";
import { openDb, type Db } from "../src/db/client";
import { applyToPostgres } from "./outbox-projection";
import { paymentProvider } from "../src/payments";
import type { PaymentProvider } from "../src/payments/provider";
import type { QueueSettings } from "../src/domain/waiting-room";
import { refuse } from "./refuse";
import { describeError, formatError } from "../src/describe-error";
import { makeLogger } from "../src/log";
import { WAITING_ROOM_SCHEMA, WaitingRoom, type Meta } from "./waiting-room";
import { DEFAULT_MAX_HELD_SEATS, HOLD_LIMIT_SCHEMA, heldSeats, holdLimitRefusal } from "./hold-limit";
import { SaleTermsStore } from "./sale-terms";
import { LiveFeed } from "./live-feed";
import type {
  AreaStatus, BookingItem, BookingView, LiveCounts, PaymentOutcome, PaymentReport, QueuePlace, QueueWatermark, Refusal, ReserveRequest, ReserveResult, RoomConfig, RoomSnapshot, RoomStats,
  RoomStatus, SaleTerms, SeatStatus, TicketInfo, TransitionResult,
} from "./room-types";

/** How soon after a change the outbox is flushed: small, so bursts share one Postgres round. */
const FLUSH_DELAY_MS = 25;
const FLUSH_BATCH = 500;
const MAX_BACKOFF_MS = 30_000;
/** Sent outbox rows are kept this long for inspection, then deleted. */
const OUTBOX_RETENTION_MS = 60 * 60 * 1000;

type Row = Record<string, SqlStorageValue>;
interface BookingRow extends Row {
  booking_id: string; user_id: string; status: string; items: string; total_amount: number; expires_at: number; created_at: number;
  /** The intent created for this booking, and the one whose money confirmed it. */
  payment_intent_id: string | null; paid_intent_id: string | null; reason: string | null; refund_state: string | null;
}
interface TaskRow extends Row { id: number; kind: "cancel_intent" | "refund"; booking_id: string; intent_id: string; reason: string; attempts: number }
const TASK_BACKOFF_MS = (attempts: number) => Math.min(5 * 60_000, 500 * 2 ** attempts);

/**
 * One event's live inventory. Every method that changes state is synchronous over SQLite
 * storage, so a check and its write cannot interleave with another request, and the outbox row
 * announcing the change commits in the same transaction. An alarm expires lapsed holds and
 * flushes the outbox to Postgres, where it is applied idempotently by message id.
 */
export class EventRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private alarmAt: number | null = null;
  private flushFailures = 0;
  private readonly queue: WaitingRoom;
  /** The organizers' live feed (see live-feed.ts). */
  private readonly live: LiveFeed;
  private readonly terms: SaleTermsStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    const meta: Meta = { get: (k) => this.meta(k), set: (k, v) => this.setMeta(k, v) };
    this.queue = new WaitingRoom(this.sql, ctx.storage, meta);
    this.terms = new SaleTermsStore(meta);
    this.live = new LiveFeed(ctx, env, () => this.liveCounts());
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS seats (seat_id TEXT PRIMARY KEY, section TEXT NOT NULL, row TEXT NOT NULL,
          number INTEGER NOT NULL, price INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'available', booking_id TEXT);
        CREATE TABLE IF NOT EXISTS areas (name TEXT PRIMARY KEY, price INTEGER NOT NULL, capacity INTEGER NOT NULL,
          held INTEGER NOT NULL DEFAULT 0, sold INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS bookings (booking_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL,
          items TEXT NOT NULL, total_amount INTEGER NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS bookings_by_status_expiry ON bookings(status, expires_at);
        CREATE TABLE IF NOT EXISTS idempotency (user_id TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,
          response TEXT NOT NULL, PRIMARY KEY (user_id, key));
        CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT NOT NULL, sent_at INTEGER);
        CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(sent_at, seq);
        CREATE TABLE IF NOT EXISTS tickets (ticket_id TEXT PRIMARY KEY, booking_id TEXT NOT NULL, item_id TEXT NOT NULL,
          secret TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'valid');
        CREATE INDEX IF NOT EXISTS tickets_by_booking ON tickets(booking_id);
        CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, booking_id TEXT NOT NULL,
          intent_id TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL,
          last_error TEXT, UNIQUE (kind, intent_id));
      `);
      this.sql.exec(WAITING_ROOM_SCHEMA);
      this.sql.exec(HOLD_LIMIT_SCHEMA);
      // Columns added after the first release; ADD COLUMN is cheap and idempotent via the check.
      const cols = new Set(this.sql.exec<{ name: string }>("PRAGMA table_info(bookings)").toArray().map((c) => c.name));
      for (const col of ["payment_intent_id", "paid_intent_id", "reason", "refund_state"]) {
        if (!cols.has(col)) this.sql.exec(`ALTER TABLE bookings ADD COLUMN ${col} TEXT`);
      }
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---------------------------------------------------------------- configuration

  /** Loads the seat map and opens the sale. Idempotent; the seat map is fixed once loaded. */
  configure(config: RoomConfig): { status: RoomStatus } {
    const current = this.meta("status");
    if (current === "cancelled") return { status: "cancelled" };
    if (current !== "on_sale") {
      this.ctx.storage.transactionSync(() => {
        for (const s of config.seats) {
          this.sql.exec("INSERT OR IGNORE INTO seats (seat_id, section, row, number, price) VALUES (?, ?, ?, ?, ?)", s.seatId, s.section, s.row, s.number, s.price);
        }
        for (const a of config.areas) {
          this.sql.exec("INSERT OR IGNORE INTO areas (name, price, capacity) VALUES (?, ?, ?)", a.name, a.price, a.capacity);
        }
        this.setMeta("event_id", config.eventId);
        this.setMeta("organizer_id", config.organizerId);
        this.setMeta("currency", config.currency);
        this.setMeta("status", "on_sale");
      });
    }
    // Operational knobs may change at any time (an env var redeploy).
    this.setMeta("hold_ttl_seconds", String(config.holdTtlSeconds));
    this.setMeta("max_per_booking", String(config.maxPerBooking));
    this.setMeta("max_held_seats", String(config.maxHeldSeatsPerAccount ?? DEFAULT_MAX_HELD_SEATS));
    if (config.terms) this.terms.apply(config.terms);
    return { status: "on_sale" };
  }

  /** The event's date or refund window changed in Postgres: newer terms replace older ones. */
  setTerms(terms: SaleTerms): { applied: boolean; terms: SaleTerms | null } {
    const applied = this.terms.apply(terms);
    return { applied, terms: this.terms.current() };
  }

  /** Stops the sale for good: open holds are released and every paid booking is refunded. */
  close(correlationId: string): { status: RoomStatus; released: number; refunds: number } {
    if (this.meta("status") !== "on_sale") return { status: this.status(), released: 0, refunds: 0 };
    let released = 0;
    let refunds = 0;
    this.ctx.storage.transactionSync(() => {
      this.setMeta("status", "cancelled");
      for (const b of this.sql.exec<BookingRow>("SELECT * FROM bookings WHERE status = 'reserved'").toArray()) {
        this.transition(b, "cancelled", correlationId, "BookingCancelled", "event_cancelled");
        released++;
      }
      for (const b of this.sql.exec<BookingRow>("SELECT * FROM bookings WHERE status = 'confirmed' AND refund_state IS NULL").toArray()) {
        this.queueRefund(b, "event_cancelled");
        refunds++;
      }
    });
    this.schedule(Date.now());
    return { status: "cancelled", released, refunds };
  }

  // ---------------------------------------------------------------- reservations

  reserve(req: ReserveRequest): ReserveResult {
    const status = this.status();
    if (status === "unconfigured") return refuse(404, "event_not_on_sale", "This event is not on sale");
    // A retry learns what became of its booking, even after the sale ended.
    const replay = req.idempotency ? this.replay(req.userId, req.idempotency) : null;
    if (replay) return replay;
    if (status !== "on_sale") return refuse(409, "event_not_on_sale", "This event is not on sale");
    const closed = this.terms.closedRefusal(Date.now());
    if (closed) return closed;
    const gate = this.queue.checkAdmission(req.userId, req.admission ?? null, Date.now());
    if (gate) return gate;
    const maxPerBooking = Number(this.meta("max_per_booking") ?? 8);
    const count = req.seatIds ? req.seatIds.length : req.quantity;
    if (count > maxPerBooking) {
      return refuse(422, "too_many_seats", `A booking may hold at most ${maxPerBooking} seats`);
    }
    const overCap = holdLimitRefusal(heldSeats(this.sql, req.userId, Date.now()), count, Number(this.meta("max_held_seats") ?? DEFAULT_MAX_HELD_SEATS));
    if (overCap) return overCap;

    let items: BookingItem[];
    if (req.seatIds) {
      const found = new Map<string, { price: number; status: string }>();
      for (const id of req.seatIds) {
        const row = this.sql.exec<{ price: number; status: string }>("SELECT price, status FROM seats WHERE seat_id = ?", id).toArray()[0];
        if (row) found.set(id, row);
      }
      const unknown = req.seatIds.filter((id) => !found.has(id));
      if (unknown.length) return refuse(422, "unknown_seats", `No such seats: ${unknown.join(", ")}`, unknown);
      const taken = req.seatIds.filter((id) => found.get(id)!.status !== "available");
      if (taken.length) return refuse(409, "seats_unavailable", `Seats not available: ${taken.join(", ")}`, taken);
      items = req.seatIds.map((id) => ({ item_id: id, kind: "seat", quantity: 1, unit_price: found.get(id)!.price }));
    } else {
      const area = this.sql.exec<{ price: number; capacity: number; held: number; sold: number }>(
        "SELECT price, capacity, held, sold FROM areas WHERE name = ?", req.area).toArray()[0];
      if (!area) return refuse(422, "unknown_area", `No such area: ${req.area}`);
      const left = area.capacity - area.held - area.sold;
      if (left < req.quantity) {
        return refuse(409, "seats_unavailable", `Only ${left} places left in ${req.area}`, [req.area]);
      }
      items = [{ item_id: req.area, kind: "area", quantity: req.quantity, unit_price: area.price }];
    }

    const now = Date.now();
    const bookingId = crypto.randomUUID();
    const holdMs = Number(this.meta("hold_ttl_seconds") ?? 600) * 1000;
    const row: BookingRow = {
      booking_id: bookingId, user_id: req.userId, status: "reserved", items: JSON.stringify(items),
      total_amount: items.reduce((sum, i) => sum + i.quantity * i.unit_price, 0), expires_at: now + holdMs, created_at: now,
      payment_intent_id: null, paid_intent_id: null, reason: null, refund_state: null,
    };
    const view = this.view(row);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO bookings (booking_id, user_id, status, items, total_amount, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        row.booking_id, row.user_id, row.status, row.items, row.total_amount, row.expires_at, row.created_at, now);
      for (const item of items) {
        if (item.kind === "seat") this.sql.exec("UPDATE seats SET status = 'held', booking_id = ? WHERE seat_id = ?", bookingId, item.item_id);
        else this.sql.exec("UPDATE areas SET held = held + ? WHERE name = ?", item.quantity, item.item_id);
      }
      if (req.idempotency) {
        this.sql.exec("INSERT INTO idempotency (user_id, key, body_hash, response) VALUES (?, ?, ?, ?)",
          req.userId, req.idempotency.key, req.idempotency.bodyHash, JSON.stringify(view));
      }
      this.queue.leave(req.userId);
      const first = this.emit("BookingCreated", bookingId, { ...view }, req.correlationId, null);
      this.emit("SeatsReserved", this.eventId(), inventoryData(view), req.correlationId, first);
    });
    this.schedule(Math.min(now + FLUSH_DELAY_MS, row.expires_at));
    return { ok: true, replayed: false, booking: view, paymentIntentId: null };
  }

  /** The booking an Idempotency-Key made, as it is now; a refusal if the key came with another body; null if the key is new. */
  private replay(userId: string, idempotency: { key: string; bodyHash: string }): ReserveResult | null {
    const prior = this.sql.exec<{ body_hash: string; response: string }>(
      "SELECT body_hash, response FROM idempotency WHERE user_id = ? AND key = ?", userId, idempotency.key).toArray()[0];
    if (!prior) return null;
    if (prior.body_hash !== idempotency.bodyHash) {
      return refuse(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request body");
    }
    const first = JSON.parse(prior.response) as BookingView;
    const row = this.booking(first.booking_id);
    return { ok: true, replayed: true, booking: row ? this.view(row) : first, paymentIntentId: row?.payment_intent_id ?? null };
  }

  /** Releases a hold at the buyer's (or organizer's) request. */
  cancel(bookingId: string, correlationId: string, actor: { userId: string; isStaff: boolean }): TransitionResult {
    const row = this.booking(bookingId);
    if (!row) return refuse(404, "not_found", "Booking was not found");
    if (row.user_id !== actor.userId && !actor.isStaff) return refuse(404, "not_found", "Booking was not found");
    return this.change(bookingId, "cancelled", correlationId, "BookingCancelled", "cancelled_by_user");
  }

  getBooking(bookingId: string): BookingView | null {
    const row = this.booking(bookingId);
    return row ? this.view(row) : null;
  }

  // ---------------------------------------------------------------- payments (the saga's steps)

  /** Records the PaymentIntent made for a booking; a hold that already ended gets it cancelled. */
  attachPayment(bookingId: string, intentId: string, provider: string, correlationId: string): { ok: boolean } {
    const row = this.booking(bookingId);
    if (!row) return { ok: false };
    if (row.payment_intent_id === intentId) return { ok: true };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE bookings SET payment_intent_id = ? WHERE booking_id = ?", intentId, bookingId);
      this.emit("PaymentIntentCreated", bookingId, {
        booking_id: bookingId, event_id: this.eventId(), user_id: row.user_id, payment_intent_id: intentId, provider,
        amount: row.total_amount, currency: this.meta("currency"),
      }, correlationId, null);
      if (row.status !== "reserved" && row.status !== "confirmed") this.queueTask("cancel_intent", bookingId, intentId, "hold_ended_before_payment");
    });
    this.schedule(Date.now());
    return { ok: true };
  }

  /**
   * payment_intent.succeeded. Confirms the booking if it can be honoured: it is held, or its
   * hold lapsed (or an earlier attempt failed) but every seat is still free. Anything else keeps
   * the money only long enough to refund it, with the reason recorded.
   */
  paymentSucceeded(p: PaymentReport): PaymentOutcome {
    const row = this.booking(p.bookingId);
    if (!row) return { outcome: "unknown_booking" };
    if (row.paid_intent_id === p.intentId) return { outcome: "already_confirmed", booking: this.view(row) };
    let result!: PaymentOutcome;
    this.ctx.storage.transactionSync(() => {
      const refundFor = (reason: string): PaymentOutcome => {
        this.emitPayment("PaymentSucceeded", row, p, { outcome: "refund_queued", reason });
        this.queueTask("refund", row.booking_id, p.intentId, reason);
        return { outcome: "refund_queued", reason, booking: this.view(row) };
      };
      if (p.amount !== row.total_amount || p.currency.toUpperCase() !== this.meta("currency")) {
        result = refundFor("amount_mismatch");
        return;
      }
      const late = row.status === "expired" || (row.status === "cancelled" && row.reason === "payment_failed");
      if (row.status === "reserved" || (late && this.retake(row))) {
        this.sql.exec("UPDATE bookings SET paid_intent_id = ?, payment_intent_id = COALESCE(payment_intent_id, ?) WHERE booking_id = ?", p.intentId, p.intentId, row.booking_id);
        this.emitPayment("PaymentSucceeded", row, p, { outcome: late ? "confirmed_late" : "confirmed" });
        const confirmed = this.transition({ ...row, status: "reserved", paid_intent_id: p.intentId }, "confirmed", p.correlationId, "BookingConfirmed", late ? "paid_after_hold_lapsed" : "payment_succeeded");
        result = { outcome: "confirmed", booking: this.view(confirmed) };
        return;
      }
      result = refundFor(late ? "seats_taken_after_hold_lapsed" : row.status === "confirmed" ? "duplicate_payment" : `booking_${row.status}`);
    });
    this.schedule(Date.now());
    return result;
  }

  /** payment_intent.payment_failed: a held booking is cancelled and its seats go back on sale. */
  paymentFailed(p: PaymentReport): { changed: boolean; status: BookingState | null } {
    const row = this.booking(p.bookingId);
    if (!row) return { changed: false, status: null };
    let changed = false;
    this.ctx.storage.transactionSync(() => {
      this.emitPayment("PaymentFailed", row, p, { outcome: row.status === "reserved" ? "booking_cancelled" : "ignored" });
      if (row.status === "reserved") {
        this.transition(row, "cancelled", p.correlationId, "BookingCancelled", "payment_failed");
        changed = true;
      }
    });
    this.scheduleFlush();
    return { changed, status: (this.booking(p.bookingId)?.status as BookingState) ?? null };
  }

  /** A refund asked for by the buyer, the organizer or an admin; carried out by the alarm. */
  requestRefund(bookingId: string, reason: string): TransitionResult {
    const row = this.booking(bookingId);
    if (!row) return refuse(404, "not_found", "Booking was not found");
    if (row.status === "refunded" || row.refund_state) return { ok: true, booking: this.view(row), changed: false };
    if (row.status !== "confirmed" || !row.paid_intent_id) return refuse(409, "not_refundable", `A ${row.status} booking has no payment to refund`);
    this.ctx.storage.transactionSync(() => this.queueRefund(row, reason));
    this.schedule(Date.now());
    return { ok: true, booking: this.view(row), changed: true };
  }

  /** charge.refunded: the money is back; a confirmed booking becomes refunded and its tickets void. */
  refundCompleted(p: PaymentReport & { refundId: string | null }): { booking: BookingView | null; changed: boolean } {
    const row = this.booking(p.bookingId);
    if (!row) return { booking: null, changed: false };
    let changed = false;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM tasks WHERE kind = 'refund' AND intent_id = ?", p.intentId);
      if (row.status === "refunded" && row.paid_intent_id === p.intentId) return;
      if (row.status === "confirmed" && row.paid_intent_id === p.intentId) {
        this.transition(row, "refunded", p.correlationId, "RefundProcessed", row.reason ?? "refunded");
        changed = true;
      } else if (row.refund_state !== `refunded:${p.intentId}`) {
        // Money returned for a payment we could not honour: the booking itself does not change.
        this.sql.exec("UPDATE bookings SET refund_state = ? WHERE booking_id = ?", `refunded:${p.intentId}`, row.booking_id);
        this.emitPayment("RefundProcessed", row, p, { outcome: "refunded_without_sale", refund_id: p.refundId });
        changed = true;
      }
    });
    this.scheduleFlush();
    const after = this.booking(p.bookingId);
    return { booking: after ? this.view(after) : null, changed };
  }

  tickets(bookingId: string): (TicketInfo & { status: string })[] {
    return this.sql.exec<{ ticket_id: string; item_id: string; status: string }>(
      "SELECT ticket_id, item_id, status FROM tickets WHERE booking_id = ? ORDER BY item_id", bookingId).toArray().map((t) => ({ ...t }));
  }

  // ---------------------------------------------------------------- waiting room (see waiting-room.ts)

  configureQueue(settings: QueueSettings): QueueSettings {
    this.queue.configure(settings);
    this.live.touch();
    this.schedule(Math.max(Date.now(), Math.min(Date.parse(settings.on_sale_at), Date.now() + 1000)));
    return settings;
  }

  queueSettings(): QueueSettings | null {
    return this.queue.settings();
  }

  joinQueue(userId: string): QueuePlace | Refusal {
    if (this.queue.settings()?.enabled && this.status() !== "on_sale") return refuse(409, "event_not_on_sale", "This event is not on sale");
    const closed = this.terms.closedRefusal(Date.now());
    if (closed) return closed;
    const joined = this.queue.join(userId, Date.now());
    if ("ok" in joined) return joined;
    this.live.touch();
    this.schedule(joined.wakeAt);
    return joined.place;
  }

  /** The caller's place now: used once per shopper when a pre-sale token needs its number, or on admission. */
  queuePlace(userId: string): QueuePlace | null {
    return this.queue.place(userId, Date.now());
  }

  queueWatermark(): QueueWatermark {
    return this.queue.watermark(Date.now());
  }

  liveCounts(): LiveCounts {
    const st = this.stats();
    return {
      ...this.queue.counts(Date.now()),
      held: st.seats.held + st.areas.held, sold: st.seats.sold + st.areas.sold, available: st.seats.available + st.areas.available,
    };
  }

  /** The organizer's live feed (live-feed.ts): the Worker forwards the verified upgrade here. */
  override async fetch(request: Request): Promise<Response> {
    const response = this.live.accept(request, Date.now());
    const wake = this.live.nextWake();
    if (wake !== null) this.schedule(wake);
    return response;
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return this.live.onMessage(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.live.onClose(ws, code);
  }

  // ---------------------------------------------------------------- reads

  snapshot(): RoomSnapshot {
    const seats = this.sql.exec<SeatStatus & Row>("SELECT seat_id, section, row, number, price, status FROM seats ORDER BY section, row, number").toArray();
    const areas = this.sql.exec<AreaStatus & Row>("SELECT name, price, capacity, capacity - held - sold AS available, held, sold FROM areas ORDER BY name").toArray();
    return {
      event_id: this.meta("event_id"), status: this.status(), currency: this.meta("currency") as Currency | null,
      seats: seats.map((s) => ({ ...s })), areas: areas.map((a) => ({ ...a })),
    };
  }

  stats(): RoomStats {
    const seatCounts = { available: 0, held: 0, sold: 0 };
    for (const r of this.sql.exec<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM seats GROUP BY status")) {
      seatCounts[r.status as keyof typeof seatCounts] = r.n;
    }
    const a = this.sql.exec<{ cap: number | null; held: number | null; sold: number | null }>("SELECT SUM(capacity) AS cap, SUM(held) AS held, SUM(sold) AS sold FROM areas").one();
    const bookings: Record<BookingState, number> = { reserved: 0, confirmed: 0, cancelled: 0, expired: 0, refunded: 0 };
    let revenue = 0;
    for (const r of this.sql.exec<{ status: string; n: number; amount: number }>("SELECT status, COUNT(*) AS n, SUM(total_amount) AS amount FROM bookings GROUP BY status")) {
      bookings[r.status as BookingState] = r.n;
      if (r.status === "confirmed") revenue = r.amount;
    }
    const pending = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL").one().n;
    return {
      status: this.status(), seats: seatCounts,
      areas: { available: (a.cap ?? 0) - (a.held ?? 0) - (a.sold ?? 0), held: a.held ?? 0, sold: a.sold ?? 0 },
      bookings, revenue, outbox_pending: pending,
    };
  }

  // ---------------------------------------------------------------- alarm: expiry + outbox flush

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    const lapsed = this.sql.exec<BookingRow>("SELECT * FROM bookings WHERE status = 'reserved' AND expires_at <= ?", now).toArray();
    if (lapsed.length) {
      this.ctx.storage.transactionSync(() => {
        for (const b of lapsed) this.transition(b, "expired", `expiry:${b.booking_id}`, "BookingExpired", "hold_lapsed");
      });
    }
    const tick = this.queue.tick(now);
    if (tick.changed) this.live.touch();
    const queueNext = tick.next;
    await this.runTasks();
    let retryIn: number | null = null;
    if (this.env.DATABASE_URL) {
      // One connection for the whole drain: a batch is a few statements, a new connection is several round trips.
      const { db, pool } = openDb(this.env.DATABASE_URL, this.env.PG_WS_PROXY || undefined, 1);
      try {
        while (await this.flushBatch(db)) { /* drain */ }
        this.flushFailures = 0;
      } catch (e) {
        this.flushFailures++;
        retryIn = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.flushFailures);
        this.log(`alarm:${this.eventId()}`).warn("outbox flush failed", { failures: this.flushFailures, retry_in_ms: retryIn, error: describeError(e) });
      } finally {
        this.ctx.waitUntil(pool.end().catch(() => undefined));
      }
      this.sql.exec("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", now - OUTBOX_RETENTION_MS);
    }
    const next = this.sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM bookings WHERE status = 'reserved'").one().t;
    const pending = this.env.DATABASE_URL && this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL").one().n > 0;
    const task = this.sql.exec<{ t: number | null }>("SELECT MIN(due_at) AS t FROM tasks").one().t;
    await this.live.enforceSessions(Date.now());
    this.live.push(Date.now());
    // While organizers watch: push changes within a second, re-check their sessions, close at expiry.
    const live = this.live.nextWake();
    const candidates = [next, task, queueNext, live, retryIn !== null ? Date.now() + retryIn : pending ? Date.now() + FLUSH_DELAY_MS : null].filter((t): t is number => t !== null);
    if (candidates.length) this.schedule(Math.min(...candidates));
  }

  /** Sends one batch of pending outbox rows to Postgres; true if there may be more. */
  private async flushBatch(db: Db): Promise<boolean> {
    const rows = this.sql.exec<{ seq: number; message: string }>("SELECT seq, message FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?", FLUSH_BATCH).toArray();
    if (!rows.length) return false;
    await applyToPostgres(db, rows.map((r) => JSON.parse(r.message) as OutboxMessage));
    // Only the rows that were sent: new ones may have been appended while we awaited.
    this.sql.exec("UPDATE outbox SET sent_at = ? WHERE sent_at IS NULL AND seq <= ?", Date.now(), rows[rows.length - 1]!.seq);
    return rows.length === FLUSH_BATCH;
  }

  /**
   * Provider calls that must eventually happen (cancel a lapsed hold's intent, refund a payment).
   * They run outside any storage transaction, are idempotent at the provider, and are retried
   * with backoff until they succeed: a partial failure is delayed, never dropped.
   */
  private async runTasks(): Promise<void> {
    const due = this.sql.exec<TaskRow>("SELECT * FROM tasks WHERE due_at <= ? ORDER BY due_at LIMIT 25", Date.now()).toArray();
    if (!due.length) return;
    // Resolved inside the try: a deployment without a provider retries its tasks, not its whole alarm.
    let provider: PaymentProvider | undefined;
    for (const t of due) {
      try {
        provider ??= paymentProvider(this.env);
        if (t.kind === "cancel_intent") await provider.cancelIntent(t.intent_id);
        else await provider.refund(t.intent_id, `refund-${t.intent_id}`, t.reason);
        // A refund's task ends when charge.refunded arrives; a cancel's ends now.
        if (t.kind === "cancel_intent") this.sql.exec("DELETE FROM tasks WHERE id = ?", t.id);
        else this.sql.exec("UPDATE tasks SET attempts = attempts + 1, due_at = ?, last_error = NULL WHERE id = ?", Date.now() + 10 * 60_000, t.id);
      } catch (e) {
        this.sql.exec("UPDATE tasks SET attempts = attempts + 1, due_at = ?, last_error = ? WHERE id = ?", Date.now() + TASK_BACKOFF_MS(t.attempts + 1), formatError(e), t.id);
        this.log(`alarm:${this.eventId()}`).warn("payment task failed; will retry", { kind: t.kind, booking_id: t.booking_id, intent_id: t.intent_id, attempts: t.attempts + 1, error: describeError(e) });
      }
    }
  }

  private queueTask(kind: TaskRow["kind"], bookingId: string, intentId: string, reason: string): void {
    this.sql.exec("INSERT OR IGNORE INTO tasks (kind, booking_id, intent_id, reason, due_at) VALUES (?, ?, ?, ?, ?)", kind, bookingId, intentId, reason, Date.now());
  }

  private queueRefund(row: BookingRow, reason: string): void {
    this.sql.exec("UPDATE bookings SET refund_state = 'requested', reason = ? WHERE booking_id = ?", reason, row.booking_id);
    this.queueTask("refund", row.booking_id, row.paid_intent_id!, reason);
  }

  /** Takes a lapsed booking's seats back if every one is still free. Call inside a transaction. */
  private retake(row: BookingRow): boolean {
    const items = JSON.parse(row.items) as BookingItem[];
    for (const item of items) {
      if (item.kind === "seat") {
        const s = this.sql.exec<{ status: string }>("SELECT status FROM seats WHERE seat_id = ?", item.item_id).toArray()[0];
        if (s?.status !== "available") return false;
      } else {
        const a = this.sql.exec<{ left: number }>("SELECT capacity - held - sold AS left FROM areas WHERE name = ?", item.item_id).toArray()[0];
        if (!a || a.left < item.quantity) return false;
      }
    }
    for (const item of items) {
      if (item.kind === "seat") this.sql.exec("UPDATE seats SET status = 'held', booking_id = ? WHERE seat_id = ?", row.booking_id, item.item_id);
      else this.sql.exec("UPDATE areas SET held = held + ? WHERE name = ?", item.quantity, item.item_id);
    }
    return true;
  }

  private emitPayment(type: "PaymentSucceeded" | "PaymentFailed" | "RefundProcessed", row: BookingRow, p: PaymentReport, extra: Record<string, unknown>): void {
    this.emit(type, row.booking_id, {
      booking_id: row.booking_id, event_id: this.eventId(), user_id: row.user_id, payment_intent_id: p.intentId,
      amount: p.amount, currency: p.currency.toUpperCase(), booking_status: row.status, ...extra,
    }, p.correlationId, null);
  }

  // ---------------------------------------------------------------- internals

  private change(bookingId: string, to: BookingState, correlationId: string, eventType: EventType, reason: string): TransitionResult {
    const row = this.booking(bookingId);
    if (!row) return refuse(404, "not_found", "Booking was not found");
    if (row.status === to) return { ok: true, booking: this.view(row), changed: false };
    if (!canTransition(row.status as BookingState, to)) {
      this.log(correlationId).warn("illegal booking transition refused", { booking_id: bookingId, from: row.status, to });
      return refuse(409, "illegal_transition", `A ${row.status} booking cannot become ${to}`);
    }
    let updated!: BookingRow;
    this.ctx.storage.transactionSync(() => {
      updated = this.transition(row, to, correlationId, eventType, reason);
    });
    this.scheduleFlush();
    return { ok: true, booking: this.view(updated), changed: true };
  }

  /** Applies a legal transition with its seat changes and outbox rows. Call inside a transaction. */
  private transition(row: BookingRow, to: BookingState, correlationId: string, eventType: EventType, reason: string): BookingRow {
    const now = Date.now();
    const items = JSON.parse(row.items) as BookingItem[];
    const fromSold = row.status === "confirmed";
    for (const item of items) {
      if (to === "confirmed") {
        if (item.kind === "seat") this.sql.exec("UPDATE seats SET status = 'sold' WHERE seat_id = ? AND booking_id = ?", item.item_id, row.booking_id);
        else this.sql.exec("UPDATE areas SET held = held - ?, sold = sold + ? WHERE name = ?", item.quantity, item.quantity, item.item_id);
      } else {
        if (item.kind === "seat") this.sql.exec("UPDATE seats SET status = 'available', booking_id = NULL WHERE seat_id = ? AND booking_id = ?", item.item_id, row.booking_id);
        else if (fromSold) this.sql.exec("UPDATE areas SET sold = sold - ? WHERE name = ?", item.quantity, item.item_id);
        else this.sql.exec("UPDATE areas SET held = held - ? WHERE name = ?", item.quantity, item.item_id);
      }
    }
    this.sql.exec("UPDATE bookings SET status = ?, reason = ?, updated_at = ? WHERE booking_id = ?", to, reason, now, row.booking_id);
    const next: BookingRow = { ...row, status: to, reason };
    const view = this.view(next);
    const extra: Record<string, unknown> = { reason };
    if (to === "confirmed") extra.tickets = this.issueTickets(row.booking_id, items);
    if (to === "refunded") {
      this.sql.exec("UPDATE tickets SET status = 'void' WHERE booking_id = ?", row.booking_id);
      this.sql.exec("UPDATE bookings SET refund_state = 'refunded' WHERE booking_id = ?", row.booking_id);
      extra.payment_intent_id = row.paid_intent_id;
    }
    // A hold that ends without a sale must not be payable afterwards. After a declined card the
    // intent stays open: the buyer may retry, and a late success is honoured or refunded.
    if ((to === "cancelled" || to === "expired") && row.payment_intent_id && reason !== "payment_failed") {
      this.queueTask("cancel_intent", row.booking_id, row.payment_intent_id, reason);
    }
    const cause = this.emit(eventType, row.booking_id, { ...view, ...extra }, correlationId, null);
    this.emit(to === "confirmed" ? "SeatsConfirmed" : "SeatsReleased", this.eventId(), { ...inventoryData(view), from: fromSold ? "sold" : "held" }, correlationId, cause);
    return next;
  }

  /** One ticket per seat or per general-admission place, each with its own secret. */
  private issueTickets(bookingId: string, items: BookingItem[]): TicketInfo[] {
    const issued: TicketInfo[] = [];
    for (const item of items) {
      const ids = item.kind === "seat" ? [item.item_id] : Array.from({ length: item.quantity }, (_, k) => `${item.item_id}#${k + 1}`);
      for (const itemId of ids) {
        const ticketId = crypto.randomUUID();
        const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
        this.sql.exec("INSERT INTO tickets (ticket_id, booking_id, item_id, secret) VALUES (?, ?, ?, ?)", ticketId, bookingId, itemId, secret);
        issued.push({ ticket_id: ticketId, item_id: itemId });
      }
    }
    return issued;
  }

  private emit(type: EventType, key: string, data: Record<string, unknown>, correlationId: string, causationId: string | null): string {
    this.live.touch();
    const message = makeMessage(type, key, data, { correlationId, causationId });
    this.sql.exec("INSERT INTO outbox (message) VALUES (?)", JSON.stringify(message));
    return message.envelope.event_id;
  }

  private scheduleFlush(): void {
    if (this.env.DATABASE_URL) this.schedule(Date.now() + FLUSH_DELAY_MS);
  }

  /** One alarm per object: keep it at the earliest time anything is due. */
  private schedule(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** JSON lines like the Worker's: the request (or alarm) they belong to, and the event. */
  private log(requestId: string) {
    return makeLogger({ request_id: requestId, event_id: this.eventId() }, this.env.LOG_LEVEL);
  }

  private booking(bookingId: string): BookingRow | undefined {
    return this.sql.exec<BookingRow>("SELECT * FROM bookings WHERE booking_id = ?", bookingId).toArray()[0];
  }

  private view(row: BookingRow): BookingView {
    const items = JSON.parse(row.items) as BookingItem[];
    const area = items.find((i) => i.kind === "area");
    return {
      booking_id: row.booking_id, event_id: this.eventId(), user_id: row.user_id, status: row.status as BookingState,
      seats: items.filter((i) => i.kind === "seat").map((i) => i.item_id),
      ...(area ? { area: area.item_id, quantity: area.quantity } : {}),
      items, total_amount: row.total_amount, currency: this.meta("currency") as Currency,
      expires_at: new Date(row.expires_at).toISOString(), created_at: new Date(row.created_at).toISOString(),
      refund_closes_at: this.terms.refundClosesAt(),
    };
  }

  private status(): RoomStatus {
    return (this.meta("status") as RoomStatus | null) ?? "unconfigured";
  }

  private eventId(): string {
    return this.meta("event_id") ?? "";
  }

  private meta(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  private setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
  }
}

function inventoryData(view: BookingView): Record<string, unknown> {
  return { event_id: view.event_id, booking_id: view.booking_id, seat_ids: view.seats, area: view.area ?? null, quantity: view.quantity ?? null };
}
