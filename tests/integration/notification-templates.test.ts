import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JUNK } from "../support/mailbox";
import { render, type BookingFacts, type HoldCancelCause, type Notice, type RefundCause, type VoidCause } from "../../workers/notifications/templates";
import { reminderSlot, timeLeft } from "../../workers/notifications/time-left";
import { ticketLines, type Locale, type TicketLine } from "../../workers/notifications/tickets";

// Pure rendering and timing rules: no services needed.
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const now = new Date("2027-02-27T01:00:00Z");

const HOLDINGS: Record<string, TicketLine[]> = {
  seats: ticketLines({ seats: ["A-1-1", "A-1-2"] }),
  ga: ticketLines({ seats: [], area: "FLOOR", quantity: 2 }),
  mixed: ticketLines({ items: [{ item_id: "A-1-3", kind: "seat", quantity: 1 }, { item_id: "FLOOR", kind: "area", quantity: 3 }] }),
  unknown: [],
};
const HOLD_CAUSES: HoldCancelCause[] = ["buyer", "card_declined", "event_cancelled", "other"];
const REFUND_CAUSES: RefundCause[] = ["buyer", "organizer", "event_cancelled", "other", "late_after_hold_lapsed", "duplicate_payment", "booking_cancelled", "unmatched_payment"];
const VOID_CAUSES: VoidCause[] = ["organizer", "event_cancelled", "other"];
const NOTICES: Notice[] = [
  { template: "booking_confirmation", refundClosesAt: new Date("2027-02-28T10:00:00Z") },
  { template: "booking_confirmation", refundClosesAt: null },
  ...HOLD_CAUSES.map((cause): Notice => ({ template: "booking_cancelled", cause })),
  { template: "booking_expired" },
  ...REFUND_CAUSES.map((cause): Notice => ({ template: "refund_completed", cause })),
  { template: "event_cancelled" },
  { template: "event_rescheduled", previousStartDate: new Date("2027-03-01T10:00:00Z"), refundClosesAt: new Date("2027-03-06T10:00:00Z") },
  { template: "event_reminder", left: { unit: "days", n: 2 } },
  { template: "event_reminder", left: { unit: "hours", n: 5 } },
  { template: "ticket_sent", to: "Alex Kim", at: new Date("2027-03-01T10:00:00Z") },
  { template: "ticket_received", from: "Alex Kim", at: new Date("2027-03-01T10:00:00Z"), walletUrl: "https://ticketing.pro/tickets" },
  ...VOID_CAUSES.map((cause): Notice => ({ template: "ticket_voided", cause })),
];

const facts = (tickets: TicketLine[], over: Partial<BookingFacts> = {}): BookingFacts => ({
  name: "김민지", eventTitle: "아이유 콘서트 2027 — 서울", venue: "잠실 올림픽 주경기장", startDate: new Date("2027-03-08T10:00:00Z"),
  bookingId: "0b7f6c1e-2d1a-4a55-9a43-1f1d2b3c4d5e", tickets, amount: 300000, currency: "KRW", ...over,
});

function expectClean(r: { subject: string; text: string; html: string }) {
  for (const part of [r.subject, r.text, r.html]) for (const junk of JUNK) expect(part).not.toMatch(junk);
}

describe("notification templates", () => {
  it("render every template, in both languages, for seats, general admission, mixed and unknown holdings without printing a missing value", () => {
    let rendered = 0;
    for (const notice of NOTICES) {
      for (const locale of ["ko", "en"] satisfies Locale[]) {
        for (const [kind, tickets] of Object.entries(HOLDINGS)) {
          const r = render(notice, locale, facts(tickets));
          expectClean(r);
          expect(r.subject.startsWith("[Ticketing Pro] ")).toBe(true);
          expect(r.text).toContain(locale === "ko" ? "김민지님" : "Hi 김민지");
          expect(r.html).toContain(`<html lang="${locale}">`);
          // Holdings show wherever the template names tickets, and never as "-".
          const namesTickets = !(notice.template === "refund_completed" && !["buyer", "organizer", "event_cancelled", "other"].includes(notice.cause));
          if (kind === "ga" && namesTickets) expect(r.text).toContain(locale === "ko" ? "FLOOR 구역 2매" : "FLOOR × 2");
          if (kind === "mixed" && namesTickets) expect(r.text).toContain(locale === "ko" ? "A-1-3, FLOOR 구역 3매" : "A-1-3, FLOOR × 3");
          if (kind === "seats" && namesTickets) expect(r.text).toContain("A-1-1, A-1-2");
          rendered++;
        }
      }
    }
    expect(rendered).toBe(NOTICES.length * 2 * 4);
  });

  it("word the event cancellation with the number of tickets and the money coming back", () => {
    expect(render({ template: "event_cancelled" }, "ko", facts(HOLDINGS.mixed!)).text).toContain("티켓 4매가 취소되었으며, 결제하신 ₩300,000은(는) 자동으로 환불됩니다.");
    expect(render({ template: "event_cancelled" }, "en", facts(HOLDINGS.ga!)).text).toContain("Your 2 tickets are cancelled and your ₩300,000 comes back to you automatically");
    expect(render({ template: "event_cancelled" }, "en", facts(ticketLines({ seats: ["A-1-1"] }))).text).toContain("Your ticket is cancelled");
  });

  it("name the old date, the new date and the refund deadline of a rescheduled event", () => {
    const notice: Notice = { template: "event_rescheduled", previousStartDate: new Date("2027-03-01T10:00:00Z"), refundClosesAt: new Date("2027-03-06T10:00:00Z") };
    const ko = render(notice, "ko", facts(HOLDINGS.seats!)).text;
    expect(ko).toContain("기존 일시: 2027년 3월 1일 월요일 오후 7:00");
    expect(ko).toContain("변경 일시: 2027년 3월 8일 월요일 오후 7:00");
    expect(ko).toContain("2027년 3월 6일 토요일 오후 7:00까지 환불");
    const en = render(notice, "en", facts(HOLDINGS.seats!)).text;
    expect(en).toContain("Was: Monday, 1 March 2027 at 19:00");
    expect(en).toContain("Now: Monday, 8 March 2027 at 19:00");
    expect(en).toContain("refund until Saturday, 6 March 2027 at 19:00");
  });

  it("escape what buyers and organizers typed, and never print junk whatever they typed", () => {
    const text = fc.string({ minLength: 1, maxLength: 40 });
    const line = fc.oneof(
      fc.record({ kind: fc.constant("seat" as const), id: fc.stringMatching(/^[A-Z]{1,3}-[0-9]{1,2}-[0-9]{1,3}$/), quantity: fc.constant(1) }),
      fc.record({ kind: fc.constant("area" as const), id: fc.stringMatching(/^[A-Z]{2,8}$/), quantity: fc.integer({ min: 1, max: 50 }) }),
    );
    fc.assert(fc.property(
      fc.constantFrom(...NOTICES), fc.constantFrom<Locale>("ko", "en"), text, text, fc.array(line, { maxLength: 6 }),
      fc.integer({ min: 0, max: 1e9 }), fc.constantFrom("KRW", "USD", "JPY", "EUR"),
      (notice, locale, name, title, tickets, amount, currency) => {
        const safe = (s: string) => !/undefined|NaN|null|object|Invalid|<|&|-/.test(s);
        fc.pre(safe(name) && safe(title));
        const r = render(notice, locale, facts(tickets, { name, eventTitle: `${title}<b>`, amount, currency }));
        expectClean(r);
        expect(r.html).not.toContain("<b>");
        expect(r.html).toContain("&lt;b&gt;");
      }), { numRuns: 400 });
  });
});

describe("reminder timing", () => {
  const at = (ms: number) => new Date(now.getTime() + ms);

  it("names the real days left, and hours on the last day", () => {
    expect(timeLeft(at(2 * DAY), now)).toEqual({ unit: "days", n: 2 });
    // Read a few seconds after it was scheduled, a show two days away is still two days away.
    expect(timeLeft(at(2 * DAY - 5_000), now)).toEqual({ unit: "days", n: 2 });
    expect(timeLeft(at(3 * DAY), now)).toEqual({ unit: "days", n: 3 });
    expect(timeLeft(at(7 * DAY), now)).toEqual({ unit: "days", n: 7 });
    expect(timeLeft(at(6.9 * DAY), now)).toEqual({ unit: "days", n: 7 });
    expect(timeLeft(at(1.2 * DAY), now)).toEqual({ unit: "days", n: 1 });
    expect(timeLeft(at(DAY), now)).toEqual({ unit: "days", n: 1 });
    expect(timeLeft(at(12 * HOUR), now)).toEqual({ unit: "hours", n: 12 });
    expect(timeLeft(at(20 * 60_000), now)).toEqual({ unit: "hours", n: 1 });
  });

  it("is due a week ahead once and on the last day once, never after the start", () => {
    expect(reminderSlot(at(8 * DAY), now)).toBeNull();
    expect(reminderSlot(at(7 * DAY), now)).toBe("week");
    expect(reminderSlot(at(2 * DAY), now)).toBe("week");
    expect(reminderSlot(at(DAY + 1), now)).toBe("week");
    expect(reminderSlot(at(DAY), now)).toBe("day");
    expect(reminderSlot(at(60_000), now)).toBe("day");
    expect(reminderSlot(at(0), now)).toBeNull();
    expect(reminderSlot(at(-HOUR), now)).toBeNull();
  });

  it("words the time left in both languages", () => {
    const subject = (left: { unit: "days" | "hours"; n: number }, locale: Locale) => render({ template: "event_reminder", left }, locale, facts(HOLDINGS.ga!)).subject;
    expect(subject({ unit: "days", n: 2 }, "ko")).toBe("[Ticketing Pro] D-2: 아이유 콘서트 2027 — 서울");
    expect(subject({ unit: "days", n: 1 }, "en")).toBe("[Ticketing Pro] In 1 day: 아이유 콘서트 2027 — 서울");
    expect(subject({ unit: "days", n: 5 }, "en")).toBe("[Ticketing Pro] In 5 days: 아이유 콘서트 2027 — 서울");
    expect(subject({ unit: "hours", n: 12 }, "ko")).toBe("[Ticketing Pro] 12시간 후 시작: 아이유 콘서트 2027 — 서울");
    expect(subject({ unit: "hours", n: 1 }, "en")).toBe("[Ticketing Pro] In 1 hour: 아이유 콘서트 2027 — 서울");
  });
});
