import type { z } from "zod";
import type { bookingSchema } from "../../../src/contract/bookings";

type Booking = z.output<typeof bookingSchema>;

/**
 * What the pay page tells the fan, from the booking as the API last said and what this page
 * itself knows (a payment it sent; a decline the simulator answered). Pure: time is an input.
 *
 * A decline cancels the booking on the server (payment-saga: the seats go back on sale at
 * once), so "declined" says the seats are released; until the booking reads cancelled the page
 * says it is checking. A hold whose time ran out is lapsed here as on the server, which reads
 * such a hold as expired at once.
 */
export type PayState = "open" | "confirming" | "confirmed" | "declined_checking" | "declined" | "lapsed" | "cancelled" | "refunded";

export interface PageKnows { submitted: boolean; declined: boolean }

export function payState(b: Pick<Booking, "status" | "expires_at" | "payment">, now: number, page: PageKnows): PayState {
  switch (b.status) {
    case "confirmed": return "confirmed";
    case "refunded": return "refunded";
    case "expired": return "lapsed";
    case "cancelled":
      return page.declined || b.payment?.status === "failed" ? "declined" : "cancelled";
    case "reserved":
      if (page.declined) return "declined_checking";
      // A payment sent before the hold ran out may still be honoured: wait for the answer.
      if (page.submitted) return "confirming";
      return Date.parse(b.expires_at) <= now ? "lapsed" : "open";
  }
}

/** Nothing more can happen to the booking from this page. */
export const settled = (s: PayState): boolean => s !== "open" && s !== "confirming" && s !== "declined_checking";
