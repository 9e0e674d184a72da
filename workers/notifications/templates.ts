/**
 * Notification templates (the seed's booking_confirmation, payment_success, booking_cancelled,
 * event_reminder) in Korean and English, each as plain text and HTML. Pure functions.
 */
export const TEMPLATES = ["booking_confirmation", "payment_success", "booking_cancelled", "event_reminder"] as const;
export type Template = (typeof TEMPLATES)[number];
export type Locale = "ko" | "en";

export interface TemplateData {
  name: string;
  eventTitle: string;
  venue: string;
  startDate: Date;
  bookingId: string;
  seats: string[];
  amount: number;
  currency: string;
  /** For reminders: 7 or 1. */
  daysBefore?: number;
}

export interface Rendered { subject: string; text: string; html: string }

const MINOR_UNITS: Record<string, number> = { KRW: 0, JPY: 0 };
function money(amount: number, currency: string, locale: Locale): string {
  const digits = MINOR_UNITS[currency] ?? 2;
  return new Intl.NumberFormat(locale === "ko" ? "ko-KR" : "en-US", { style: "currency", currency }).format(amount / 10 ** digits);
}
function when(d: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === "ko" ? "ko-KR" : "en-GB", { dateStyle: "full", timeStyle: "short", timeZone: "Asia/Seoul" }).format(d);
}
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const COPY: Record<Template, Record<Locale, (d: TemplateData, f: { amount: string; date: string; seats: string }) => { subject: string; lines: string[] }>> = {
  booking_confirmation: {
    ko: (d, f) => ({ subject: `[Ticketing Pro] 예매가 확정되었습니다: ${d.eventTitle}`, lines: [`${d.name}님, 예매가 확정되었습니다.`, `공연: ${d.eventTitle}`, `일시: ${f.date}`, `장소: ${d.venue}`, `좌석: ${f.seats}`, `예매 번호: ${d.bookingId}`] }),
    en: (d, f) => ({ subject: `[Ticketing Pro] Booking confirmed: ${d.eventTitle}`, lines: [`Hi ${d.name}, your booking is confirmed.`, `Event: ${d.eventTitle}`, `When: ${f.date}`, `Where: ${d.venue}`, `Seats: ${f.seats}`, `Booking: ${d.bookingId}`] }),
  },
  payment_success: {
    ko: (d, f) => ({ subject: `[Ticketing Pro] 결제가 완료되었습니다 (${f.amount})`, lines: [`${d.name}님, ${f.amount} 결제가 완료되었습니다.`, `공연: ${d.eventTitle}`, `예매 번호: ${d.bookingId}`] }),
    en: (d, f) => ({ subject: `[Ticketing Pro] Payment received (${f.amount})`, lines: [`Hi ${d.name}, we received your payment of ${f.amount}.`, `Event: ${d.eventTitle}`, `Booking: ${d.bookingId}`] }),
  },
  booking_cancelled: {
    ko: (d) => ({ subject: `[Ticketing Pro] 예매가 취소되었습니다: ${d.eventTitle}`, lines: [`${d.name}님, 예매가 취소되었습니다.`, `공연: ${d.eventTitle}`, `예매 번호: ${d.bookingId}`, "결제하신 금액이 있다면 환불됩니다."] }),
    en: (d) => ({ subject: `[Ticketing Pro] Booking cancelled: ${d.eventTitle}`, lines: [`Hi ${d.name}, your booking was cancelled.`, `Event: ${d.eventTitle}`, `Booking: ${d.bookingId}`, "Any payment will be refunded."] }),
  },
  event_reminder: {
    ko: (d, f) => ({ subject: `[Ticketing Pro] D-${d.daysBefore ?? 1}: ${d.eventTitle}`, lines: [`${d.name}님, 공연이 ${d.daysBefore ?? 1}일 남았습니다.`, `공연: ${d.eventTitle}`, `일시: ${f.date}`, `장소: ${d.venue}`, `좌석: ${f.seats}`] }),
    en: (d, f) => ({ subject: `[Ticketing Pro] ${d.daysBefore === 1 ? "Tomorrow" : `In ${d.daysBefore ?? 7} days`}: ${d.eventTitle}`, lines: [`Hi ${d.name}, ${d.eventTitle} is ${d.daysBefore === 1 ? "tomorrow" : `in ${d.daysBefore ?? 7} days`}.`, `When: ${f.date}`, `Where: ${d.venue}`, `Seats: ${f.seats}`] }),
  },
};

export function render(template: Template, locale: Locale, d: TemplateData): Rendered {
  const f = { amount: money(d.amount, d.currency, locale), date: when(d.startDate, locale), seats: d.seats.length ? d.seats.join(", ") : "-" };
  const { subject, lines } = COPY[template][locale](d, f);
  const text = `${lines.join("\n")}\n\n— Ticketing Pro\n`;
  const html = `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif"><h1 style="font-size:18px">${escape(subject)}</h1>${lines.map((l) => `<p>${escape(l)}</p>`).join("")}<p style="color:#888">— Ticketing Pro</p></body></html>`;
  return { subject, text, html };
}
