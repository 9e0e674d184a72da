/** The booking state machine: reserved → confirmed | cancelled | expired; confirmed → refunded. */
export const BOOKING_STATES = ["reserved", "confirmed", "cancelled", "expired", "refunded"] as const;
export type BookingState = (typeof BOOKING_STATES)[number];

const NEXT: Record<BookingState, readonly BookingState[]> = {
  reserved: ["confirmed", "cancelled", "expired"],
  confirmed: ["refunded"],
  cancelled: [],
  expired: [],
  refunded: [],
};

export function canTransition(from: BookingState, to: BookingState): boolean {
  return NEXT[from].includes(to);
}

/** What a reader sees: a hold whose time has passed is expired even before the alarm ran. */
export function visibleState(state: BookingState, expiresAt: Date, now: Date): BookingState {
  return state === "reserved" && expiresAt.getTime() <= now.getTime() ? "expired" : state;
}
