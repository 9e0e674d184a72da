import { DurableObject } from "cloudflare:workers";
import { config } from "../../src/config";
import type { QueueSettings } from "../../src/domain/waiting-room";
import type { Env } from "../../src/env";
import { makeLogger, type Logger } from "../../src/log";
import { paymentProvider } from "../../src/payments";
import { CheckIn, type TicketStatus } from "./check-in";
import {
  ok, refuse, type BookingView, type LiveCounts, type PaymentOutcome, type PaymentReport, type ProviderName, type QueuePlace, type QueueWatermark,
  type Reservation, type ReserveRequest, type RoomConfig, type RoomResult, type RoomSnapshot, type RoomStats, type RoomStatus, type SaleTerms, type Transition,
} from "./contract";
import { Inventory } from "./inventory";
import { LiveFeed } from "./live-feed";
import { RoomMeta } from "./meta";
import { RoomOutbox } from "./outbox";
import { PaymentSaga } from "./payment-saga";
import { ProviderTasks } from "./provider-tasks";
import { SaleTermsStore } from "./sale-terms";
import { migrate } from "./schema";
import { RoomStatsReader } from "./stats";
import { AlarmClock, type TimedPart } from "./timers";
import { WaitingRoom } from "./waiting-room";

/**
 * One event's live inventory, as thin typed RPC methods over parts with narrow dependencies:
 * inventory and holds (inventory.ts), the payment saga (payment-saga.ts), provider tasks, the
 * outbox to Postgres, the waiting room, the organizers' live feed, tickets and check-in, stats.
 * Each part that needs time tells the one alarm when (timers.ts). Every method that changes state
 * is synchronous over SQLite storage, so a check and its write cannot interleave with another
 * request, and the outbox message announcing the change commits in the same transaction.
 */
export class EventRoom extends DurableObject<Env> {
  private readonly clock: AlarmClock;
  private readonly meta: RoomMeta;
  private readonly terms: SaleTermsStore;
  private readonly queue: WaitingRoom;
  private readonly live: LiveFeed;
  private readonly outbox: RoomOutbox;
  private readonly tasks: ProviderTasks;
  private readonly checkIn: CheckIn;
  private readonly inventory: Inventory;
  private readonly saga: PaymentSaga;
  private readonly reads: RoomStatsReader;
  /** Run in this order on every alarm: expiries before the queue's admissions, provider calls, then the flush and the feed that report them. */
  private readonly timed: readonly TimedPart[];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { sql } = ctx.storage;
    const storage = ctx.storage;
    const log = (requestId: string) => this.log(requestId);
    this.clock = new AlarmClock(storage);
    const wake = this.clock.wake;
    this.meta = new RoomMeta(sql);
    this.terms = new SaleTermsStore(this.meta);
    this.queue = new WaitingRoom(sql, storage, this.meta);
    this.live = new LiveFeed(ctx, env, () => this.reads.liveCounts(Date.now()), wake);
    const database = env.DATABASE_URL ? { url: env.DATABASE_URL, proxy: config(env).pgWsProxy } : null;
    this.outbox = new RoomOutbox({ sql, database, waitUntil: (p) => ctx.waitUntil(p), wake, changed: () => this.live.touch(), log });
    this.tasks = new ProviderTasks({ sql, provider: () => paymentProvider(env), wake, log });
    this.checkIn = new CheckIn(sql);
    this.inventory = new Inventory({
      sql, storage, meta: this.meta, terms: this.terms, queue: this.queue, outbox: this.outbox, tasks: this.tasks, tickets: this.checkIn,
      knobs: () => config(env), wake, log,
    });
    this.saga = new PaymentSaga({ storage, sql, meta: this.meta, inventory: this.inventory, outbox: this.outbox, tasks: this.tasks });
    this.reads = new RoomStatsReader({ sql, meta: this.meta, outbox: this.outbox, queue: this.queue });
    const queueClock: TimedPart = {
      name: "waiting_room",
      tick: (now) => {
        const t = this.queue.tick(now);
        if (t.changed) this.live.touch();
        return t.next;
      },
    };
    this.timed = [this.inventory, queueClock, this.tasks, this.outbox, this.live, this.checkIn];
    ctx.blockConcurrencyWhile(async () => {
      migrate(sql);
      await this.clock.load();
    });
  }

  // ---------------------------------------------------------------- the sale

  /** Loads the seat map and opens the sale. Idempotent; the seat map is fixed once loaded. */
  configure(cfg: RoomConfig): { status: RoomStatus } {
    const status = this.meta.status();
    if (status === "cancelled") return { status };
    if (status !== "on_sale") this.inventory.load(cfg);
    if (cfg.terms) this.terms.apply(cfg.terms);
    return { status: "on_sale" };
  }

  /** The event's date or refund window changed in Postgres: newer terms replace older ones. */
  setTerms(terms: SaleTerms): { applied: boolean; terms: SaleTerms | null } {
    return { applied: this.terms.apply(terms), terms: this.terms.current() };
  }

  /** Stops the sale for good: open holds are released and every paid booking is refunded. */
  close(correlationId: string): { status: RoomStatus; released: number; refunds: number } {
    if (this.meta.status() !== "on_sale") return { status: this.meta.status(), released: 0, refunds: 0 };
    return this.ctx.storage.transactionSync(() => {
      this.meta.set("status", "cancelled");
      const released = this.inventory.releaseAll(correlationId, "event_cancelled");
      return { status: "cancelled" as const, released, refunds: this.saga.refundAll("event_cancelled") };
    });
  }

  // ---------------------------------------------------------------- bookings (inventory.ts)

  reserve(req: ReserveRequest): RoomResult<Reservation> {
    return this.inventory.reserve(req, Date.now());
  }

  /** Releases a hold at the buyer's (or organizer's) request. */
  cancel(bookingId: string, correlationId: string, actor: { userId: string; isStaff: boolean }): RoomResult<Transition> {
    return this.inventory.cancel(bookingId, correlationId, actor);
  }

  getBooking(bookingId: string): BookingView | null {
    const row = this.inventory.booking(bookingId);
    return row ? this.inventory.view(row) : null;
  }

  tickets(bookingId: string): TicketStatus[] {
    return this.checkIn.list(bookingId);
  }

  // ---------------------------------------------------------------- payments (payment-saga.ts)

  attachPayment(bookingId: string, intentId: string, provider: ProviderName, correlationId: string): RoomResult<{ changed: boolean }> {
    return this.saga.attach(bookingId, intentId, provider, correlationId);
  }

  paymentSucceeded(p: PaymentReport): PaymentOutcome {
    return this.saga.succeeded(p);
  }

  paymentFailed(p: PaymentReport): RoomResult<{ changed: boolean; status: BookingView["status"] }> {
    return this.saga.failed(p);
  }

  requestRefund(bookingId: string, reason: string): RoomResult<Transition> {
    return this.saga.requestRefund(bookingId, reason);
  }

  refundCompleted(p: PaymentReport & { refundId: string | null }): RoomResult<Transition> {
    return this.saga.refundCompleted(p);
  }

  // ---------------------------------------------------------------- waiting room (waiting-room.ts)

  configureQueue(settings: QueueSettings): QueueSettings {
    this.queue.configure(settings);
    this.live.touch();
    this.clock.wake(Math.max(Date.now(), Math.min(Date.parse(settings.on_sale_at), Date.now() + 1000)));
    return settings;
  }

  queueSettings(): QueueSettings | null {
    return this.queue.settings();
  }

  joinQueue(userId: string): RoomResult<QueuePlace> {
    if (this.queue.settings()?.enabled && this.meta.status() !== "on_sale") return refuse(409, "event_not_on_sale", "This event is not on sale");
    const closed = this.terms.closedRefusal(Date.now());
    if (closed) return closed;
    const joined = this.queue.join(userId, Date.now());
    if (!joined.ok) return joined;
    this.live.touch();
    this.clock.wake(joined.value.wakeAt);
    return ok(joined.value.place);
  }

  /** The caller's place now: used once per shopper when a pre-sale token needs its number, or on admission. */
  queuePlace(userId: string): QueuePlace | null {
    return this.queue.place(userId, Date.now());
  }

  queueWatermark(): QueueWatermark {
    return this.queue.watermark(Date.now());
  }

  // ---------------------------------------------------------------- reads and the live feed (stats.ts, live-feed.ts)

  snapshot(): RoomSnapshot {
    return this.reads.snapshot();
  }

  stats(): RoomStats {
    return this.reads.stats();
  }

  liveCounts(): LiveCounts {
    return this.reads.liveCounts(Date.now());
  }

  /** The organizer's live feed: the Worker forwards the verified upgrade here. */
  override async fetch(request: Request): Promise<Response> {
    return this.live.accept(request, Date.now());
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return this.live.onMessage(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.live.onClose(ws, code);
  }

  // ---------------------------------------------------------------- the one alarm (timers.ts)

  override async alarm(): Promise<void> {
    await this.clock.run(this.timed, this.log(`alarm:${this.meta.eventId()}`));
  }

  /** JSON lines like the Worker's: the request (or alarm) they belong to, and the event. */
  private log(requestId: string): Logger {
    return makeLogger({ request_id: requestId, event_id: this.meta.eventId() }, config(this.env).logLevel);
  }
}
