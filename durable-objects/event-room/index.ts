import { DurableObject } from "cloudflare:workers";
import { config } from "../../src/config";
import type { QueueSettings } from "../../src/domain/waiting-room";
import type { Env } from "../../src/env";
import { makeLogger, type Logger } from "../../src/log";
import type { CheckInStats, ScanAnswer, SyncAnswer, TicketHolderState, TicketStatus } from "./check-in";
import type { BoundCore } from "./ticket-issuer";
import type { TransferDone } from "./ticket-transfer";
import type { QueuedScan } from "../../src/domain/tickets/offline-sync";
import type { DeltaJson, ManifestJson } from "../../src/domain/tickets/manifest";
import {
  ok, refuse, type BookingView, type LiveCounts, type PaymentOutcome, type PaymentReport, type ProviderName, type QueuePlace, type QueueWatermark,
  type Reservation, type ReserveRequest, type RoomConfig, type RoomResult, type RoomSnapshot, type RoomStats, type SeatMapRead, type RoomStatus, type SaleTerms, type Transition,
} from "./contract";
import { assembleRoom, type RoomParts } from "./parts";
import { migrate } from "./schema";

/**
 * One event's live inventory, as thin typed RPC methods over parts with narrow dependencies
 * (parts.ts): inventory and holds, the payment saga, provider tasks, the outbox to Postgres, the
 * waiting room, the organizers' live feed, tickets and check-in, stats. Each part that needs
 * time tells the one alarm when (timers.ts). Every method that changes state is synchronous over
 * SQLite storage, so a check and its write cannot interleave with another request, and the
 * outbox message announcing the change commits in the same transaction.
 */
export class EventRoom extends DurableObject<Env> {
  private readonly p: RoomParts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.p = assembleRoom(ctx, env, (requestId) => this.log(requestId));
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql);
      await this.p.clock.load();
    });
  }

  // ---------------------------------------------------------------- the sale

  /** Loads the seat map and opens the sale. Idempotent; the seat map is fixed once loaded. */
  configure(cfg: RoomConfig): { status: RoomStatus } {
    const status = this.p.meta.status();
    if (status === "cancelled") return { status };
    if (status !== "on_sale") this.p.inventory.load(cfg);
    if (cfg.terms) this.p.terms.apply(cfg.terms);
    return { status: "on_sale" };
  }

  /** The event's date or refund window changed in Postgres: newer terms replace older ones. */
  setTerms(terms: SaleTerms): { applied: boolean; terms: SaleTerms | null } {
    const applied = this.p.terms.apply(terms);
    if (applied) this.p.shards.pushLater();
    return { applied, terms: this.p.terms.current() };
  }

  /** Stops the sale for good: open holds are released and every paid booking is refunded. */
  close(correlationId: string): { status: RoomStatus; released: number; refunds: number } {
    if (this.p.meta.status() !== "on_sale") return { status: this.p.meta.status(), released: 0, refunds: 0 };
    const closed = this.ctx.storage.transactionSync(() => {
      this.p.meta.set("status", "cancelled");
      const released = this.p.inventory.releaseAll(correlationId, "event_cancelled");
      return { status: "cancelled" as const, released, refunds: this.p.saga.refundAll("event_cancelled") };
    });
    this.p.shards.pushLater();
    return closed;
  }

  // ---------------------------------------------------------------- bookings (inventory.ts)

  reserve(req: ReserveRequest): RoomResult<Reservation> {
    return this.p.inventory.reserve(req, Date.now());
  }

  /** Releases a hold at the buyer's (or organizer's) request. */
  cancel(bookingId: string, correlationId: string, actor: { userId: string; isStaff: boolean }): RoomResult<Transition> {
    return this.p.inventory.cancel(bookingId, correlationId, actor);
  }

  getBooking(bookingId: string): BookingView | null {
    const row = this.p.inventory.booking(bookingId);
    return row ? this.p.inventory.view(row) : null;
  }

  tickets(bookingId: string): TicketStatus[] {
    return this.p.checkIn.list(bookingId);
  }

  // ---------------------------------------------------------------- tickets and check-in (ticket-issuer.ts, check-in.ts)

  bindDevice(ticketId: string, accountId: string, publicKey: string): Promise<RoomResult<BoundCore>> {
    return this.p.issuer.bind(ticketId, accountId, publicKey, Date.now());
  }

  ticketState(ticketId: string): RoomResult<TicketHolderState> {
    return this.p.checkIn.holderState(ticketId);
  }

  scanTicket(code: string, gateId: string, direction: "in" | "out"): Promise<RoomResult<ScanAnswer>> {
    return this.p.checkIn.scan(code, gateId, direction, Date.now());
  }

  syncScans(scans: QueuedScan[]): SyncAnswer[] {
    return this.ctx.storage.transactionSync(() => this.p.checkIn.sync(scans, Date.now()));
  }

  gateManifest(): RoomResult<ManifestJson> {
    return this.p.issuer.manifest(Date.now());
  }

  revocationDelta(from: number): RoomResult<DeltaJson> {
    return this.p.issuer.delta(from);
  }

  checkInStats(): CheckInStats {
    return this.p.checkIn.stats(Date.now());
  }

  setReentry(on: boolean): CheckInStats {
    this.p.checkIn.setReentry(on);
    return this.p.checkIn.stats(Date.now());
  }

  /** The holder moves a ticket to another account (ticket-transfer.ts). */
  transferTicket(ticketId: string, fromUserId: string, toUserId: string, correlationId: string): RoomResult<TransferDone> {
    return this.p.transfers.transfer(ticketId, fromUserId, toUserId, correlationId, Date.now());
  }

  /** The organizer's ticket settings; each given value replaces the stored one. */
  ticketSettings(change: { reentry?: boolean | undefined; transfers?: boolean | undefined } = {}): { reentry: boolean; transfers: boolean } {
    if (change.reentry !== undefined) this.p.checkIn.setReentry(change.reentry);
    if (change.transfers !== undefined) this.p.checkIn.setTransfers(change.transfers);
    return { reentry: this.p.checkIn.reentry(), transfers: this.p.checkIn.transfers() };
  }

  // ---------------------------------------------------------------- payments (payment-saga.ts)

  attachPayment(bookingId: string, intentId: string, provider: ProviderName, correlationId: string): RoomResult<{ changed: boolean; intentId: string }> {
    return this.p.saga.attach(bookingId, intentId, provider, correlationId);
  }

  paymentSucceeded(p: PaymentReport): PaymentOutcome {
    return this.p.saga.succeeded(p);
  }

  paymentFailed(p: PaymentReport): RoomResult<{ changed: boolean; status: BookingView["status"] }> {
    return this.p.saga.failed(p);
  }

  requestRefund(bookingId: string, reason: string): RoomResult<Transition> {
    return this.p.saga.requestRefund(bookingId, reason);
  }

  refundCompleted(p: PaymentReport & { refundId: string | null }): RoomResult<Transition> {
    return this.p.saga.refundCompleted(p);
  }

  // ---------------------------------------------------------------- waiting room (waiting-room.ts)

  /** Stores the settings (fixing K, the number of queue shards, the first time) and tells every shard. */
  async configureQueue(settings: QueueSettings): Promise<QueueSettings> {
    this.p.queue.configure(settings, config(this.env).queueShards);
    this.p.live.touch();
    this.p.history.touch();
    this.p.clock.wake(Math.max(Date.now(), Math.min(Date.parse(settings.on_sale_at), Date.now() + 1000)));
    await this.p.shards.push();
    return settings;
  }

  queueSettings(): QueueSettings | null {
    return this.p.queue.settings();
  }

  /** A queue shard took a join while the room was idle: tick now (joins do not reach the room otherwise). */
  wakeQueue(): void {
    this.p.clock.wake(Date.now());
  }

  /** An admitted account's session (or its turn is over): asked when a poll finds the account admitted, or a shard sees an admitted account rejoin. */
  queuePlace(userId: string): QueuePlace | null {
    return this.p.queue.place(userId, Date.now());
  }

  queueWatermark(): QueueWatermark {
    return this.p.queue.watermark(Date.now());
  }

  // ---------------------------------------------------------------- reads and the live feed (stats.ts, live-feed.ts)

  snapshot(): RoomSnapshot {
    return this.p.reads.snapshot();
  }

  /** The seat map for the edge's cache: null when `known` is still its version. */
  seatMapSince(known: string | null): SeatMapRead {
    return this.p.reads.seatMapSince(known);
  }

  stats(): RoomStats {
    return this.p.reads.stats();
  }

  liveCounts(): LiveCounts {
    return this.p.reads.liveCounts(Date.now());
  }

  /** The organizer's live feed: the Worker forwards the verified upgrade here. */
  override async fetch(request: Request): Promise<Response> {
    return this.p.live.accept(request, Date.now());
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return this.p.live.onMessage(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.p.live.onClose(ws, code);
  }

  // ---------------------------------------------------------------- the one alarm (timers.ts)

  override async alarm(): Promise<void> {
    await this.p.clock.run(this.p.timed, this.log(`alarm:${this.p.meta.eventId()}`));
  }

  /** JSON lines like the Worker's: the request (or alarm) they belong to, and the event. */
  private log(requestId: string): Logger {
    return makeLogger({ request_id: requestId, event_id: this.p.meta.eventId() }, config(this.env).logLevel);
  }
}
