/**
 * Seats, areas and the bookings that hold them: load the seat map, reserve (all-or-nothing,
 * within the sale's terms, the waiting room's gate, the per-booking and per-account limits),
 * release, confirm, and expire lapsed holds on the alarm. Every check and its write run in one
 * synchronous step over SQLite (no await between), so two buyers can never take one seat, and the
 * outbox message announcing a change commits in the same transaction.
 */
import { z } from "zod";
import { BOOKING_STATES, canTransition, type BookingState } from "../../src/domain/booking-state";
import { newBookingId } from "../../src/domain/booking-id";
import type { Logger } from "../../src/log";
import { bookingItem, bookingView } from "../../src/pipeline/payloads";
import {
  ok, refuse, type BookingItem, type BookingView, type Reservation, type ReserveRequest, type RoomConfig, type RoomResult, type Transition,
} from "./contract";
import type { CheckIn } from "./check-in";
import { heldSeats, holdLimitRefusal } from "./hold-limit";
import type { RoomMeta } from "./meta";
import type { RoomOutbox } from "./outbox";
import type { ProviderTasks } from "./provider-tasks";
import type { SaleTermsStore } from "./sale-terms";
import type { TimedPart } from "./timers";
import type { WaitingRoom } from "./waiting-room";

/** A booking as the room stores it. */
export interface BookingRecord {
  booking_id: string; user_id: string; status: BookingState; items: BookingItem[]; total_amount: number; expires_at: number; created_at: number;
  /** The intent created for this booking, and the one whose money confirmed it. */
  payment_intent_id: string | null; paid_intent_id: string | null; reason: string | null; refund_state: string | null;
}
interface BookingRow extends Record<string, SqlStorageValue> {
  booking_id: string; user_id: string; status: string; items: string; total_amount: number; expires_at: number; created_at: number;
  payment_intent_id: string | null; paid_intent_id: string | null; reason: string | null; refund_state: string | null;
}
const storedItems = z.array(bookingItem);
const stateOf = (s: string): BookingState => {
  const state = BOOKING_STATES.find((x) => x === s);
  if (!state) throw new Error(`unknown booking state in storage: ${s}`);
  return state;
};
const record = (r: BookingRow): BookingRecord => ({ ...r, status: stateOf(r.status), items: storedItems.parse(JSON.parse(r.items)) });

/** Where a booking can go from a hold or a sale. */
export type Outcome = Exclude<BookingState, "reserved">;

/** The operational limits, read from the deployment's config at each use. */
export interface Knobs { holdTtlSeconds: number; maxSeatsPerBooking: number; maxHeldSeatsPerAccount: number }

export interface InventoryDeps {
  sql: SqlStorage;
  storage: DurableObjectStorage;
  meta: RoomMeta;
  terms: SaleTermsStore;
  queue: Pick<WaitingRoom, "checkAdmission" | "leave">;
  outbox: Pick<RoomOutbox, "emit">;
  tasks: Pick<ProviderTasks, "queue">;
  tickets: Pick<CheckIn, "issue" | "voidFor">;
  knobs(): Knobs;
  wake(at: number): void;
  log(requestId: string): Logger;
}

export class Inventory implements TimedPart {
  readonly name = "holds";

  constructor(private readonly deps: InventoryDeps) {}

  /** Loads the seat map and opens the sale, once: the seat map is fixed once loaded. */
  load(config: RoomConfig): void {
    const { sql, meta } = this.deps;
    this.deps.storage.transactionSync(() => {
      for (const s of config.seats) {
        sql.exec("INSERT OR IGNORE INTO seats (seat_id, section, row, number, price) VALUES (?, ?, ?, ?, ?)", s.seatId, s.section, s.row, s.number, s.price);
      }
      for (const a of config.areas) {
        sql.exec("INSERT OR IGNORE INTO areas (name, price, capacity) VALUES (?, ?, ?)", a.name, a.price, a.capacity);
      }
      meta.set("event_id", config.eventId);
      meta.set("organizer_id", config.organizerId);
      meta.set("currency", config.currency);
      meta.set("status", "on_sale");
    });
  }

  reserve(req: ReserveRequest, now: number): RoomResult<Reservation> {
    const { sql, meta, terms, queue } = this.deps;
    const status = meta.status();
    if (status === "unconfigured") return refuse(404, "event_not_on_sale", "This event is not on sale");
    // A retry learns what became of its booking, even after the sale ended.
    const replay = req.idempotency ? this.replay(req.userId, req.idempotency) : null;
    if (replay) return replay;
    if (status !== "on_sale") return refuse(409, "event_not_on_sale", "This event is not on sale");
    const closed = terms.closedRefusal(now);
    if (closed) return closed;
    const gate = queue.checkAdmission(req.userId, req.admission ?? null, now);
    if (gate) return gate;
    const knobs = this.deps.knobs();
    const count = req.seatIds ? req.seatIds.length : req.quantity;
    if (count > knobs.maxSeatsPerBooking) {
      return refuse(422, "too_many_seats", `A booking may hold at most ${knobs.maxSeatsPerBooking} seats`);
    }
    const overCap = holdLimitRefusal(heldSeats(sql, req.userId, now), count, knobs.maxHeldSeatsPerAccount);
    if (overCap) return overCap;

    const picked = req.seatIds ? this.pickSeats(req.seatIds) : this.pickPlaces(req.area, req.quantity);
    if (!picked.ok) return picked;
    const items = picked.value;
    const booking: BookingRecord = {
      booking_id: newBookingId(meta.eventId(), crypto.getRandomValues(new Uint8Array(16))), user_id: req.userId, status: "reserved", items,
      total_amount: items.reduce((sum, i) => sum + i.quantity * i.unit_price, 0), expires_at: now + knobs.holdTtlSeconds * 1000, created_at: now,
      payment_intent_id: null, paid_intent_id: null, reason: null, refund_state: null,
    };
    const view = this.view(booking);
    this.deps.storage.transactionSync(() => {
      sql.exec("INSERT INTO bookings (booking_id, user_id, status, items, total_amount, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        booking.booking_id, booking.user_id, booking.status, JSON.stringify(items), booking.total_amount, booking.expires_at, booking.created_at, now);
      this.hold(booking);
      if (req.idempotency) {
        sql.exec("INSERT INTO idempotency (user_id, key, body_hash, response) VALUES (?, ?, ?, ?)",
          req.userId, req.idempotency.key, req.idempotency.bodyHash, JSON.stringify(view));
      }
      queue.leave(req.userId);
      const first = this.deps.outbox.emit("BookingCreated", booking.booking_id, view, req.correlationId);
      this.deps.outbox.emit("SeatsReserved", meta.eventId(), inventoryDelta(view), req.correlationId, first);
    });
    this.deps.wake(booking.expires_at);
    return ok({ replayed: false, booking: view, paymentIntentId: null });
  }

  /** Named seats, all free, at their prices; or why not. */
  private pickSeats(seatIds: string[]): RoomResult<BookingItem[]> {
    const found = new Map<string, { price: number; status: string }>();
    for (const id of seatIds) {
      const row = this.deps.sql.exec<{ price: number; status: string }>("SELECT price, status FROM seats WHERE seat_id = ?", id).toArray()[0];
      if (row) found.set(id, row);
    }
    const unknown = seatIds.filter((id) => !found.has(id));
    if (unknown.length) return refuse(422, "unknown_seats", `No such seats: ${unknown.join(", ")}`, unknown);
    const taken = seatIds.filter((id) => found.get(id)?.status !== "available");
    if (taken.length) return refuse(409, "seats_unavailable", `Seats not available: ${taken.join(", ")}`, taken);
    return ok(seatIds.map((id) => ({ item_id: id, kind: "seat" as const, quantity: 1, unit_price: found.get(id)?.price ?? 0 })));
  }

  /** Places in a general-admission area, if that many are left. */
  private pickPlaces(area: string, quantity: number): RoomResult<BookingItem[]> {
    const a = this.deps.sql.exec<{ price: number; capacity: number; held: number; sold: number }>(
      "SELECT price, capacity, held, sold FROM areas WHERE name = ?", area).toArray()[0];
    if (!a) return refuse(422, "unknown_area", `No such area: ${area}`);
    const left = a.capacity - a.held - a.sold;
    if (left < quantity) return refuse(409, "seats_unavailable", `Only ${left} places left in ${area}`, [area]);
    return ok([{ item_id: area, kind: "area", quantity, unit_price: a.price }]);
  }

  /** The booking an Idempotency-Key made, as it is now; a refusal if the key came with another body; null if the key is new. */
  private replay(userId: string, idempotency: { key: string; bodyHash: string }): RoomResult<Reservation> | null {
    const prior = this.deps.sql.exec<{ body_hash: string; response: string }>(
      "SELECT body_hash, response FROM idempotency WHERE user_id = ? AND key = ?", userId, idempotency.key).toArray()[0];
    if (!prior) return null;
    if (prior.body_hash !== idempotency.bodyHash) {
      return refuse(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request body");
    }
    const first = bookingView.parse(JSON.parse(prior.response));
    const row = this.booking(first.booking_id);
    return ok({ replayed: true, booking: row ? this.view(row) : first, paymentIntentId: row?.payment_intent_id ?? null });
  }

  /** Releases a hold at the buyer's (or organizer's) request. */
  cancel(bookingId: string, correlationId: string, actor: { userId: string; isStaff: boolean }): RoomResult<Transition> {
    const row = this.booking(bookingId);
    if (!row || (row.user_id !== actor.userId && !actor.isStaff)) return refuse(404, "not_found", "Booking was not found");
    if (row.status === "cancelled") return ok({ booking: this.view(row), changed: false });
    if (!canTransition(row.status, "cancelled")) {
      this.deps.log(correlationId).warn("illegal booking transition refused", { booking_id: bookingId, from: row.status, to: "cancelled" });
      return refuse(409, "illegal_transition", `A ${row.status} booking cannot become cancelled`);
    }
    const updated = this.deps.storage.transactionSync(() => this.transition(row, "cancelled", correlationId, "cancelled_by_user"));
    return ok({ booking: this.view(updated), changed: true });
  }

  /** Every open hold released (the sale was closed). Call inside a transaction. */
  releaseAll(correlationId: string, reason: string): number {
    const held = this.deps.sql.exec<BookingRow>("SELECT * FROM bookings WHERE status = 'reserved'").toArray().map(record);
    for (const b of held) this.transition(b, "cancelled", correlationId, reason);
    return held.length;
  }

  /** Expires lapsed holds; returns when the next one lapses. */
  tick(now: number): number | null {
    const lapsed = this.deps.sql.exec<BookingRow>("SELECT * FROM bookings WHERE status = 'reserved' AND expires_at <= ?", now).toArray().map(record);
    if (lapsed.length) {
      this.deps.storage.transactionSync(() => {
        for (const b of lapsed) this.transition(b, "expired", `expiry:${b.booking_id}`, "hold_lapsed");
      });
    }
    return this.deps.sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM bookings WHERE status = 'reserved'").one().t;
  }

  booking(bookingId: string): BookingRecord | undefined {
    const row = this.deps.sql.exec<BookingRow>("SELECT * FROM bookings WHERE booking_id = ?", bookingId).toArray()[0];
    return row ? record(row) : undefined;
  }

  view(row: BookingRecord): BookingView {
    const area = row.items.find((i) => i.kind === "area");
    const currency = this.deps.meta.currency();
    if (!currency) throw new Error("a booking in a room without a currency");
    return {
      booking_id: row.booking_id, event_id: this.deps.meta.eventId(), user_id: row.user_id, status: row.status,
      seats: row.items.filter((i) => i.kind === "seat").map((i) => i.item_id),
      ...(area ? { area: area.item_id, quantity: area.quantity } : {}),
      items: row.items, total_amount: row.total_amount, currency,
      expires_at: new Date(row.expires_at).toISOString(), created_at: new Date(row.created_at).toISOString(),
      refund_closes_at: this.deps.terms.refundClosesAt(),
    };
  }

  /**
   * Applies a legal transition with its seat changes, its tickets or tasks, and its outbox
   * messages. Call inside a transaction, after checking it is legal.
   */
  transition(row: BookingRecord, to: Outcome, correlationId: string, reason: string): BookingRecord {
    const { sql, outbox, meta } = this.deps;
    const fromSold = row.status === "confirmed";
    for (const item of row.items) {
      if (to === "confirmed") {
        if (item.kind === "seat") sql.exec("UPDATE seats SET status = 'sold' WHERE seat_id = ? AND booking_id = ?", item.item_id, row.booking_id);
        else sql.exec("UPDATE areas SET held = held - ?, sold = sold + ? WHERE name = ?", item.quantity, item.quantity, item.item_id);
      } else if (item.kind === "seat") {
        sql.exec("UPDATE seats SET status = 'available', booking_id = NULL WHERE seat_id = ? AND booking_id = ?", item.item_id, row.booking_id);
      } else if (fromSold) {
        sql.exec("UPDATE areas SET sold = sold - ? WHERE name = ?", item.quantity, item.item_id);
      } else {
        sql.exec("UPDATE areas SET held = held - ? WHERE name = ?", item.quantity, item.item_id);
      }
    }
    sql.exec("UPDATE bookings SET status = ?, reason = ?, updated_at = ? WHERE booking_id = ?", to, reason, Date.now(), row.booking_id);
    const next: BookingRecord = { ...row, status: to, reason };
    const view = this.view(next);
    let cause: string;
    if (to === "confirmed") {
      cause = outbox.emit("BookingConfirmed", row.booking_id, { ...view, reason, tickets: this.deps.tickets.issue(row.booking_id, row.items, row.user_id, correlationId) }, correlationId);
    } else if (to === "refunded") {
      this.deps.tickets.voidFor(row.booking_id, reason, correlationId);
      sql.exec("UPDATE bookings SET refund_state = 'refunded' WHERE booking_id = ?", row.booking_id);
      cause = outbox.emit("RefundProcessed", row.booking_id, { ...view, status: "refunded", reason, payment_intent_id: row.paid_intent_id }, correlationId);
    } else {
      // A hold that ends without a sale must not be payable afterwards. After a declined card the
      // intent stays open: the buyer may retry, and a late success is honoured or refunded.
      if (row.payment_intent_id && reason !== "payment_failed") this.deps.tasks.queue("cancel_intent", row.booking_id, row.payment_intent_id, reason);
      cause = outbox.emit(to === "cancelled" ? "BookingCancelled" : "BookingExpired", row.booking_id, { ...view, reason }, correlationId);
    }
    const delta = inventoryDelta(view);
    if (to === "confirmed") outbox.emit("SeatsConfirmed", meta.eventId(), { ...delta, from: "held" }, correlationId, cause);
    else outbox.emit("SeatsReleased", meta.eventId(), { ...delta, from: fromSold ? "sold" : "held" }, correlationId, cause);
    return next;
  }

  /** Takes a lapsed booking's seats back if every one is still free. Call inside a transaction. */
  retake(row: BookingRecord): boolean {
    const { sql } = this.deps;
    for (const item of row.items) {
      if (item.kind === "seat") {
        const s = sql.exec<{ status: string }>("SELECT status FROM seats WHERE seat_id = ?", item.item_id).toArray()[0];
        if (s?.status !== "available") return false;
      } else {
        const a = sql.exec<{ left: number }>("SELECT capacity - held - sold AS left FROM areas WHERE name = ?", item.item_id).toArray()[0];
        if (!a || a.left < item.quantity) return false;
      }
    }
    this.hold(row);
    return true;
  }

  private hold(row: BookingRecord): void {
    for (const item of row.items) {
      if (item.kind === "seat") this.deps.sql.exec("UPDATE seats SET status = 'held', booking_id = ? WHERE seat_id = ?", row.booking_id, item.item_id);
      else this.deps.sql.exec("UPDATE areas SET held = held + ? WHERE name = ?", item.quantity, item.item_id);
    }
  }
}

function inventoryDelta(view: BookingView) {
  return { event_id: view.event_id, booking_id: view.booking_id, seat_ids: view.seats, area: view.area ?? null, quantity: view.quantity ?? null };
}
