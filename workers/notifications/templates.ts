/**
 * Buyer-facing notification templates in Korean and English, each as plain text and HTML. Pure
 * functions: the notifier decides what to send (see workers/consumers/notifier.ts); this module
 * only words it. A line whose value is unknown is left out rather than printed as "-".
 */
import { CURRENCIES } from "../../src/domain/money";
import { COPY } from "./copy";
import type { TimeLeft } from "./time-left";
import { describeTickets, ticketCount, type Locale, type TicketLine } from "./tickets";

export type { Locale } from "./tickets";

export const TEMPLATES = [
  "booking_confirmation", "booking_cancelled", "booking_expired", "refund_completed", "event_cancelled", "event_rescheduled", "event_reminder",
  "ticket_sent", "ticket_received", "ticket_voided",
] as const;
export type Template = (typeof TEMPLATES)[number];

/** Why a hold ended without a sale. */
export type HoldCancelCause = "buyer" | "card_declined" | "event_cancelled" | "other";
/** Why money went back: a refunded booking (by whom), or a payment we could not honour (why). */
export type RefundCause =
  | "buyer" | "organizer" | "event_cancelled" | "other"
  | "late_after_hold_lapsed" | "duplicate_payment" | "booking_cancelled" | "unmatched_payment";

/** Why a received ticket was voided. */
export type VoidCause = "organizer" | "event_cancelled" | "other";

/** What to say, with exactly the extra facts each notification needs. */
export type Notice =
  | { template: "booking_confirmation"; refundClosesAt: Date | null }
  | { template: "booking_cancelled"; cause: HoldCancelCause }
  | { template: "booking_expired" }
  | { template: "refund_completed"; cause: RefundCause }
  | { template: "event_cancelled" }
  | { template: "event_rescheduled"; previousStartDate: Date; refundClosesAt: Date }
  | { template: "event_reminder"; left: TimeLeft }
  /** A transfer, to each side: the other side's name, when, and for the recipient where their wallet is. */
  | { template: "ticket_sent"; to: string; at: Date }
  | { template: "ticket_received"; from: string; at: Date; walletUrl: string }
  /** A ticket someone received stopped admitting: the booking it came from was refunded (its buyer hears of the refund itself). */
  | { template: "ticket_voided"; cause: VoidCause };

/** The booking and event a notification is about, and whom it addresses. */
export interface BookingFacts {
  name: string;
  eventTitle: string;
  venue: string;
  startDate: Date;
  bookingId: string;
  tickets: TicketLine[];
  amount: number;
  currency: string;
}

/** Values formatted for the locale, handed to the copy. */
export interface Formatted {
  amount: string;
  date: string;
  tickets: string;
  count: number;
  when: (d: Date) => string;
}

export interface Rendered { subject: string; text: string; html: string }

function money(amount: number, currency: string, locale: Locale): string {
  const digits = currency in CURRENCIES ? CURRENCIES[currency as keyof typeof CURRENCIES] : 2;
  return new Intl.NumberFormat(locale === "ko" ? "ko-KR" : "en-US", { style: "currency", currency }).format(amount / 10 ** digits);
}

function when(d: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === "ko" ? "ko-KR" : "en-GB", { dateStyle: "full", timeStyle: "short", timeZone: "Asia/Seoul" }).format(d);
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

export function render(notice: Notice, locale: Locale, facts: BookingFacts): Rendered {
  const f: Formatted = {
    amount: money(facts.amount, facts.currency, locale), date: when(facts.startDate, locale),
    tickets: describeTickets(facts.tickets, locale), count: ticketCount(facts.tickets), when: (d) => when(d, locale),
  };
  const { subject, lines } = COPY[locale](notice, facts, f);
  const kept = lines.filter((l): l is string => typeof l === "string" && l.length > 0);
  const text = `${kept.join("\n")}\n\n— Ticketing Pro\n`;
  const html = `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif"><h1 style="font-size:18px">${escape(subject)}</h1>${kept.map((l) => `<p>${escape(l)}</p>`).join("")}<p style="color:#888">— Ticketing Pro</p></body></html>`;
  return { subject, text, html };
}
