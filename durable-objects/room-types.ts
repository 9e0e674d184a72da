import type { AreaDef, SeatDef } from "../src/domain/seat-map";
import type { BookingState } from "../src/domain/booking-state";
import type { Currency } from "../src/domain/money";
import type { AdmissionForecast } from "../src/domain/waiting-room";

/** What the EventRoom needs to sell an event; sent by the Worker when the event is published. */
export interface RoomConfig {
  eventId: string;
  organizerId: string;
  currency: Currency;
  seats: SeatDef[];
  areas: AreaDef[];
  holdTtlSeconds: number;
  maxPerBooking: number;
  /** Seats (general-admission places count one each) one account may hold unpaid at once; 8 when absent. */
  maxHeldSeatsPerAccount?: number;
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

export interface BookingItem { item_id: string; kind: "seat" | "area"; quantity: number; unit_price: number }

export interface BookingView {
  booking_id: string;
  event_id: string;
  user_id: string;
  status: BookingState;
  seats: string[];
  area?: string;
  quantity?: number;
  items: BookingItem[];
  total_amount: number;
  currency: Currency;
  expires_at: string;
  created_at: string;
  /** Until when the buyer may ask for a refund of their own (null if the room has no terms yet). */
  refund_closes_at?: string | null;
}

export type Refusal = { ok: false; status: 403 | 404 | 409 | 422; code: string; detail: string; unavailable_seats?: string[]; extras?: Record<string, number | string> };
/** A replay returns the booking as it is now, with the intent made for it (if any). */
export type ReserveResult = { ok: true; replayed: boolean; booking: BookingView; paymentIntentId: string | null } | Refusal;
export type TransitionResult = { ok: true; booking: BookingView; changed: boolean } | Refusal;

export interface SeatStatus { seat_id: string; section: string; row: string; number: number; price: number; status: "available" | "held" | "sold" }
export interface AreaStatus { name: string; price: number; capacity: number; available: number; held: number; sold: number }

export interface RoomSnapshot {
  event_id: string | null;
  status: RoomStatus;
  currency: Currency | null;
  seats: SeatStatus[];
  areas: AreaStatus[];
}

export interface RoomStats {
  status: RoomStatus;
  seats: { available: number; held: number; sold: number };
  areas: { available: number; held: number; sold: number };
  bookings: Record<BookingState, number>;
  revenue: number;
  outbox_pending: number;
}

export type RoomStatus = "unconfigured" | "on_sale" | "cancelled";

export interface PaymentReport { bookingId: string; intentId: string; amount: number; currency: string; correlationId: string }

/**
 * What a successful payment did: confirmed the booking (possibly late, if the seats were still
 * free), found it already confirmed, or queued a refund because it could not be honoured.
 */
export type PaymentOutcome =
  | { outcome: "confirmed" | "already_confirmed"; booking: BookingView }
  | { outcome: "refund_queued"; reason: string; booking: BookingView | null }
  | { outcome: "unknown_booking" };

export interface TicketInfo { ticket_id: string; item_id: string }

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
}

export interface LiveCounts { joined: number; waiting: number; admitted: number; active: number; held: number; sold: number; available: number }
