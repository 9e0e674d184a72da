/**
 * The contract between the Worker and an EventRoom: what its RPC methods take and return. Every
 * method that can refuse returns a `RoomResult`; the Worker turns a refusal into a problem
 * document in one place (src/routes/room-result.ts).
 */
import type { z } from "zod";
import type { AreaDef, SeatDef } from "../../src/domain/seat-map";
import type { BookingState } from "../../src/domain/booking-state";
import type { Currency } from "../../src/domain/money";
import type { ShardMark } from "../../src/domain/queue-shards";
import type { AdmissionForecast } from "../../src/domain/waiting-room";
import type { bookingItem, bookingView, providerName, ticketInfo } from "../../src/pipeline/payloads";

/**
 * What the EventRoom needs to sell an event; sent by the Worker when the event is published.
 * Operational knobs (hold time, seats per booking, holds per account) are not here: the room
 * reads them from the deployment's config each time it uses them (src/config.ts).
 */
export interface RoomConfig {
  eventId: string;
  organizerId: string;
  currency: Currency;
  seats: SeatDef[];
  areas: AreaDef[];
  /** When sales stop and until when buyers may refund; a room without terms sells until it is closed. */
  terms?: SaleTerms;
}

/**
 * The terms of the sale as Postgres last recorded them. `version` orders updates (the event
 * row's `updated_at`, which grows with every change): a room keeps the newest it has seen, so
 * two date changes racing each other cannot leave it with the older one.
 */
export interface SaleTerms {
  startsAt: string;
  refundWindowHours: number;
  rescheduledAt: string | null;
  version: number;
}

export type ReserveRequest = {
  userId: string;
  correlationId: string;
  /** Verified admission-token claims when the buyer sent one (checked against the queue here). */
  admission?: { position: number | null } | null;
  /** Idempotency-Key and a hash of the request body, when the client sent a key. */
  idempotency?: { key: string; bodyHash: string };
} & ({ seatIds: string[]; area?: undefined; quantity?: undefined } | { area: string; quantity: number; seatIds?: undefined });

/** The bus's booking view is the room's (src/pipeline/payloads.ts): one definition. */
export type BookingItem = z.output<typeof bookingItem>;
export type BookingView = z.output<typeof bookingView>;
export type TicketInfo = z.output<typeof ticketInfo>;
export type ProviderName = z.output<typeof providerName>;

/** Why the room said no: the Worker answers with this status and code. */
export type Refusal = { ok: false; status: 403 | 404 | 409 | 422; code: string; detail: string; unavailable_seats?: string[]; extras?: Record<string, number | string> };
/** The one result shape of room calls that can refuse. */
export type RoomResult<T> = { ok: true; value: T } | Refusal;

export function refuse(status: Refusal["status"], code: string, detail: string, unavailable?: string[], extras?: Refusal["extras"]): Refusal {
  return { ok: false, status, code, detail, ...(unavailable ? { unavailable_seats: unavailable } : {}), ...(extras ? { extras } : {}) };
}
export const ok = <T>(value: T): RoomResult<T> => ({ ok: true, value });

/** A new hold, or (a replay) the booking an Idempotency-Key made, as it is now, with the intent made for it. */
export interface Reservation { replayed: boolean; booking: BookingView; paymentIntentId: string | null }
/** A booking after a request to change it; `changed` is false when it already was so. */
export interface Transition { booking: BookingView; changed: boolean }

export interface SeatStatus { seat_id: string; section: string; row: string; number: number; price: number; status: "available" | "held" | "sold" }
export interface AreaStatus { name: string; price: number; capacity: number; available: number; held: number; sold: number }

export interface RoomSnapshot {
  event_id: string | null;
  status: RoomStatus;
  currency: Currency | null;
  seats: SeatStatus[];
  areas: AreaStatus[];
}

/**
 * The seat map for an edge cache: `version` changes whenever any seat or area does, so a caller
 * that names the version it holds gets `snapshot: null` when nothing changed (a small answer).
 */
export interface SeatMapRead { version: string; snapshot: RoomSnapshot | null; /** The room's clock when it answered: the copy is current as of then. */ at: number }

export interface RoomStats {
  status: RoomStatus;
  seats: { available: number; held: number; sold: number };
  areas: { available: number; held: number; sold: number };
  bookings: Record<BookingState, number>;
  revenue: number;
  outbox_pending: number;
}

export type RoomStatus = "unconfigured" | "on_sale" | "cancelled";

/** A payment as the provider reported it (a webhook, or reconciliation). */
export interface PaymentReport { bookingId: string; intentId: string; provider: ProviderName; amount: number; currency: string; correlationId: string }

/**
 * What a successful payment did: confirmed the booking (possibly late, if the seats were still
 * free), found it already confirmed, or queued a refund because it could not be honoured. Never a
 * refusal: money that arrived is always accounted for.
 */
export type PaymentOutcome =
  | { outcome: "confirmed" | "already_confirmed"; booking: BookingView }
  | { outcome: "refund_queued"; reason: string; booking: BookingView | null }
  | { outcome: "unknown_booking" };

export interface QueuePlace { state: "waiting" | "admitted" | "expired"; position: number | null; sessionEndsAt: number | null }

/** What the edge caches (about a second) to answer status polls without the room. */
export interface QueueWatermark {
  enabled: boolean;
  opened: boolean;
  onSaleAt: number;
  admittedThrough: number;
  admitPerMinute: number;
  /** When the places in line will have been admitted (null before the queue opens). */
  forecast: AdmissionForecast | null;
  /** Per queue shard (K of them, fixed when the queue was first configured; none before): how far it has been admitted. */
  shards: ShardMark[];
}

/** What a queue shard must know of the sale to take joins: sent by the room when the queue is configured and on every tick. */
export interface ShardTerms {
  eventId: string;
  enabled: boolean;
  onSaleAt: number;
  /** Sales stop when the event starts (null: no terms known). */
  closesAt: number | null;
  onSale: boolean;
}

/** An account's place in its shard: `seq` is null for a pre-sale arrival not placed yet. */
export interface ShardPlace { state: "waiting" | "admitted"; seq: number | null; sessionEndsAt: number | null }

export interface LiveCounts { joined: number; waiting: number; admitted: number; active: number; held: number; sold: number; available: number }
