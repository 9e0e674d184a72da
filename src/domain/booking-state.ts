/**
 * The booking state machine: reserved → confirmed | cancelled | expired; confirmed → refunded.
 * Two late edges exist for money that arrives after the hold ended: expired → confirmed and
 * cancelled → confirmed. The EventRoom takes them only when the payment succeeded, the seats are
 * still free, and (for cancelled) the cancellation was the declined card itself; otherwise the
 * payment is refunded.
 */
export const BOOKING_STATES = ["reserved", "confirmed", "cancelled", "expired", "refunded"] as const;
export type BookingState = (typeof BOOKING_STATES)[number];

const NEXT: Record<BookingState, readonly BookingState[]> = {
  reserved: ["confirmed", "cancelled", "expired"],
  confirmed: ["refunded"],
  cancelled: ["confirmed"],
  expired: ["confirmed"],
  refunded: [],
};

export function canTransition(from: BookingState, to: BookingState): boolean {
  return NEXT[from].includes(to);
}

/** What a reader sees: a hold whose time has passed is expired even before the alarm ran. */
export function visibleState(state: BookingState, expiresAt: Date, now: Date): BookingState {
  return state === "reserved" && expiresAt.getTime() <= now.getTime() ? "expired" : state;
}
