import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedProxy } from "../../workers/db";
import { events } from "../../src/db/schema";
import { makeMessage, type PayloadInput } from "../../src/pipeline/catalogue";
import type { Envelope } from "../../src/pipeline/envelope";
import { notify, sendReminders } from "../../workers/consumers/notifier";
import type { Channels } from "../../workers/notifications/channels";
import { retryFailedSends } from "../../workers/notifications/retry";
import { api, inDays, pool, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { JUNK, startMailbox, type Mailbox } from "../support/mailbox";
import { rawEnvelope } from "../support/messages";
import { checkout, hold, outboxHas } from "../support/saga";

// One buyer's own booking, from hold to refund, through a real SMTP server and an SMS endpoint.
let box: Mailbox;
let h: Awaited<ReturnType<typeof testDb>>;
let organizer: Session;

beforeAll(async () => {
  box = await startMailbox();
  h = await testDb();
  organizer = await register("organizer");
});
afterAll(async () => {
  await box.close();
  await h.close();
  await closeSharedProxy();
});

/** A bare BookingConfirmed: who, what and how much, without the room's items or times. */
const confirmedData = (who: Session, eventId: string, data: Partial<PayloadInput<"BookingConfirmed">> = {}): PayloadInput<"BookingConfirmed"> => ({
  booking_id: crypto.randomUUID(), event_id: eventId, user_id: who.userId, status: "confirmed", seats: [], total_amount: 150000, currency: "KRW",
  reason: "payment_succeeded", tickets: [], ...data,
});
const confirmed = (who: Session, eventId: string, data: Partial<PayloadInput<"BookingConfirmed">> = {}) => {
  const d = confirmedData(who, eventId, data);
  return makeMessage("BookingConfirmed", d.booking_id, d, { correlationId: "test" }).envelope;
};
const deliverAll = async (envelopes: Envelope[]) => { for (const e of envelopes) await notify(h.db, box.channels, e); };
const subjects = (who: Session) => box.to(who.email).map((m) => m.subject ?? "").sort();
const clean = (who: Session) => {
  for (const m of box.to(who.email)) for (const junk of JUNK) { expect(m.text ?? "").not.toMatch(junk); expect(String(m.html)).not.toMatch(junk); }
};

describe("notifier: a buyer's own booking (real SMTP, SMS webhook)", () => {
  it("emails a booking confirmation once, in Korean, as text and HTML, with the amount paid, however often it is delivered", async () => {
    const fan = await register("user", { phone_number: "+82 10-5555-0001" });
    const eventId = await publishedEvent(organizer, { title: "아이유 콘서트 2027 — 서울" });
    const m = confirmed(fan, eventId, { seats: ["A-1-1", "A-1-2"], total_amount: 300000 });
    // Two deliveries at once: each channel is claimed by exactly one of them.
    const results = await Promise.all([notify(h.db, box.channels, m), notify(h.db, box.channels, m)]);
    expect(results).toContain("sent");
    expect(await notify(h.db, box.channels, m)).toBe("duplicate");
    const got = box.to(fan.email);
    expect(got).toHaveLength(1);
    expect(got[0]!.subject).toBe("[Ticketing Pro] 예매가 확정되었습니다: 아이유 콘서트 2027 — 서울");
    expect(got[0]!.text).toContain("좌석: A-1-1, A-1-2");
    expect(got[0]!.text).toContain("결제 금액: ₩300,000");
    expect(got[0]!.html).toContain("<p>좌석: A-1-1, A-1-2</p>");
    expect(box.smsTo("+82 10-5555-0001")).toHaveLength(1);
    clean(fan);
  });

  it("folds the payment into the confirmation: one English mail for one purchase, whatever the order", async () => {
    const fan = await register("user", { locale: "en" });
    const eventId = await publishedEvent(organizer, { title: "Seoul Philharmonic: Mahler 5" });
    const c = confirmed(fan, eventId, { seats: ["A-1-3"] });
    const bookingId = (c.data as { booking_id: string }).booking_id;
    const paid = makeMessage("PaymentSucceeded", bookingId, {
      booking_id: bookingId, event_id: eventId, user_id: fan.userId, payment_intent_id: "pi_x", provider: "simulator", amount: 150000, currency: "KRW",
      booking_status: "reserved", outcome: "confirmed",
    }, { correlationId: "test" }).envelope;
    await deliverAll([paid, c, paid, c]);
    expect(subjects(fan)).toEqual(["[Ticketing Pro] Booking confirmed: Seoul Philharmonic: Mahler 5"]);
    expect(box.to(fan.email)[0]!.text).toContain("Paid: ₩150,000");
  });

  it("prints general-admission tickets as area and count, from the room's own messages and from a bare envelope", async () => {
    const ko = await register();
    const en = await register("user", { locale: "en" });
    const eventId = await publishedEvent(organizer, { title: "Standing Night" });
    const b = await hold(ko, eventId, { area: "FLOOR", quantity: 2 });
    await checkout(b);
    const real = await outboxHas(h.db, b.booking_id, ["BookingConfirmed"]);
    await deliverAll([...real, ...[...real].reverse()]);
    expect(subjects(ko)).toEqual(["[Ticketing Pro] 예매가 확정되었습니다: Standing Night"]);
    expect(box.to(ko.email)[0]!.text).toContain("좌석: FLOOR 구역 2매");
    expect(box.to(ko.email)[0]!.text).toContain("결제 금액: ₩198,000");
    await deliverAll([confirmed(en, eventId, { seats: [], area: "FLOOR", quantity: 3, total_amount: 297000 })]);
    expect(box.to(en.email)[0]!.text).toContain("Seats: FLOOR × 3");
    clean(ko);
    clean(en);
  });

  it("tells a buyer why their hold ended: their own cancellation, a declined card, or time running out", async () => {
    const [quitter, declined, lapsed] = [await register(), await register("user", { locale: "en" }), await register()];
    const eventId = await publishedEvent(organizer, { title: "Hold Outcomes" });
    const q = await hold(quitter, eventId, { seat_ids: ["A-1-1"] });
    await outboxHas(h.db, q.booking_id, ["BookingCreated"]);
    expect((await api(`/api/bookings/${q.booking_id}/cancel`, { method: "POST", token: quitter.access })).status).toBe(200);
    const d = await hold(declined, eventId, { seat_ids: ["A-1-2"] });
    await checkout(d, "failed");
    const messages = [...await outboxHas(h.db, q.booking_id, ["BookingCancelled"]), ...await outboxHas(h.db, d.booking_id, ["BookingCancelled", "PaymentFailed"])];
    // A lapsed hold: ten minutes of waiting, so the room's message is built here with the room's shape.
    const expiredId = crypto.randomUUID();
    const expired = makeMessage("BookingExpired", expiredId, {
      booking_id: expiredId, event_id: eventId, user_id: lapsed.userId, status: "expired", seats: ["A-2-1"], items: [{ item_id: "A-2-1", kind: "seat", quantity: 1, unit_price: 150000 }],
      total_amount: 150000, currency: "KRW", reason: "hold_lapsed",
    }, { correlationId: "test" }).envelope;
    await Promise.all([deliverAll([...messages, expired]), deliverAll([expired, ...messages].reverse())]);
    expect(subjects(quitter)).toEqual(["[Ticketing Pro] 예매가 취소되었습니다: Hold Outcomes"]);
    expect(box.to(quitter.email)[0]!.text).toContain("요청하신 대로 결제 전 예매를 취소했습니다");
    expect(subjects(declined)).toEqual(["[Ticketing Pro] Booking cancelled: Hold Outcomes"]);
    expect(box.to(declined.email)[0]!.text).toContain("your card was declined");
    expect(subjects(lapsed)).toEqual(["[Ticketing Pro] 결제 시간이 지나 예매가 만료되었습니다: Hold Outcomes"]);
    expect(box.to(lapsed.email)[0]!.text).toContain("좌석: A-2-1");
    for (const who of [quitter, declined, lapsed]) clean(who);
  });

  it("confirms every refund once, saying whose it was and whether the tickets still stand", async () => {
    const [own, byOrganizer, late, twice] = [await register(), await register("user", { locale: "en" }), await register(), await register("user", { locale: "en" })];
    const eventId = await publishedEvent(organizer, { title: "Refund Stories" });
    const a = await hold(own, eventId, { seat_ids: ["A-1-1"] });
    const b = await hold(byOrganizer, eventId, { area: "FLOOR", quantity: 2 });
    await checkout(a);
    await checkout(b);
    await outboxHas(h.db, a.booking_id, ["BookingConfirmed"]);
    await outboxHas(h.db, b.booking_id, ["BookingConfirmed"]);
    expect((await api(`/api/payment/${a.booking_id}/refund`, { method: "POST", token: own.access })).status).toBe(202);
    expect((await api(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: organizer.access })).status).toBe(202);
    const real = [...await outboxHas(h.db, a.booking_id, ["RefundProcessed"]), ...await outboxHas(h.db, b.booking_id, ["RefundProcessed"])];
    // Money we could not honour, in the room's refunded_without_sale shape: a late payment, and a second one.
    const unhonoured = (who: Session, status: "expired" | "confirmed") => {
      const id = crypto.randomUUID();
      return makeMessage("RefundProcessed", id, {
        booking_id: id, event_id: eventId, user_id: who.userId, payment_intent_id: `pi_${id}`, amount: 150000, currency: "KRW",
        booking_status: status, outcome: "refunded_without_sale", refund_id: "re_1",
      }, { correlationId: "test" }).envelope;
    };
    const extra = [unhonoured(late, "expired"), unhonoured(twice, "confirmed")];
    await Promise.all([deliverAll([...real, ...extra]), deliverAll([...extra, ...real].reverse())]);
    expect(subjects(own)).toEqual(["[Ticketing Pro] 예매가 확정되었습니다: Refund Stories", "[Ticketing Pro] 환불이 완료되었습니다 (₩150,000): Refund Stories"]);
    expect(box.to(own.email).find((m) => m.subject?.includes("환불"))!.text).toContain("요청하신 환불이 완료되었습니다");
    expect(subjects(byOrganizer)).toEqual(["[Ticketing Pro] Booking confirmed: Refund Stories", "[Ticketing Pro] Refund completed (₩198,000): Refund Stories"]);
    const orgRefund = box.to(byOrganizer.email).find((m) => m.subject?.includes("Refund"))!.text!;
    expect(orgRefund).toContain("the organizer refunded your booking");
    expect(orgRefund).toContain("Cancelled tickets: FLOOR × 2");
    expect(subjects(late)).toEqual(["[Ticketing Pro] 환불이 완료되었습니다 (₩150,000): Refund Stories"]);
    expect(box.to(late.email)[0]!.text).toContain("좌석이 이미 판매되어");
    expect(box.to(late.email)[0]!.text).not.toContain("취소된 티켓");
    expect(box.to(twice.email)[0]!.text).toContain("Your tickets remain valid");
    for (const who of [own, byOrganizer, late, twice]) clean(who);
  });

  it("skips (and logs) a message whose data is not what its type promises, sending nothing", async () => {
    const fan = await register();
    const eventId = await publishedEvent(organizer, { title: "Malformed" });
    // Built by hand: the catalogue refuses each of these at any producer (see catalogue.test.ts).
    const bad = [
      rawEnvelope("BookingConfirmed", { ...confirmedData(fan, eventId), total_amount: "150000" }),
      rawEnvelope("BookingConfirmed", { ...confirmedData(fan, eventId, { seats: ["A-1-1"] }), currency: "XYZ" }),
      rawEnvelope("BookingConfirmed", { ...confirmedData(fan, eventId), user_id: 42 }),
      rawEnvelope("RefundProcessed", { booking_id: crypto.randomUUID(), event_id: eventId, user_id: fan.userId, currency: "KRW" }),
      rawEnvelope("EventCancelled", { event_id: eventId, start_date: "next tuesday" }),
    ];
    for (const e of bad) expect(await notify(h.db, box.channels, e)).toBe("ignored:invalid");
    expect(box.to(fan.email)).toHaveLength(0);
  });

  it("an SMTP outage delays a mail and never loses it: the failed send goes out on a later schedule, once", async () => {
    const fan = await register("user", { locale: "en" });
    const eventId = await publishedEvent(organizer, { title: "Through an Outage" });
    // Failure injection: a mail server that refuses everything, for now.
    const down: Channels = { email: { send: async () => { throw new Error("injected: SMTP unreachable"); } }, sms: null };
    const m = confirmed(fan, eventId, { seats: ["A-1-1"] });
    expect(await notify(h.db, down, m)).toBe("failed");
    // The message's redelivery does not send it again: the claim stands.
    expect(await notify(h.db, box.channels, m)).toBe("duplicate");
    await retryFailedSends(h.db, down);
    expect(box.to(fan.email)).toHaveLength(0);
    // Back up: two sweeps at once, and one more.
    await Promise.all([retryFailedSends(h.db, box.channels), retryFailedSends(h.db, box.channels)]);
    await retryFailedSends(h.db, box.channels);
    expect(subjects(fan)).toEqual(["[Ticketing Pro] Booking confirmed: Through an Outage"]);
    expect(box.to(fan.email)[0]!.text).toContain("Seats: A-1-1");
    expect(String(box.to(fan.email)[0]!.html)).toContain("<p>Seats: A-1-1</p>");
  });

  it("keeps many buyers' confirmations apart under concurrent, repeated, shuffled delivery", async () => {
    const eventId = await publishedEvent(organizer, { title: "Crowd Confirmations" });
    const fans = await pool(6, Array.from({ length: 20 }, (_, i) => () => register("user", i % 2 ? { locale: "en" } : {})));
    const messages = fans.map((f, i) => confirmed(f, eventId, { seats: [`A-${1 + (i % 2)}-${1 + Math.floor(i / 2)}`] }));
    const shuffled = () => [...messages, ...messages].sort(() => Math.random() - 0.5);
    await Promise.all([deliverAll(shuffled()), deliverAll(shuffled()), deliverAll(shuffled())]);
    fans.forEach((f, i) => {
      const got = box.to(f.email);
      expect(got).toHaveLength(1);
      const m = messages[i]!.data as { booking_id: string; seats: string[] };
      // Their own booking and seat, nobody else's.
      expect(got[0]!.text).toContain(m.booking_id);
      expect(got[0]!.text).toContain(m.seats[0]!);
      for (const other of messages) if (other !== messages[i]) expect(got[0]!.text).not.toContain((other.data as { booking_id: string }).booking_id);
    });
  });
});

describe("reminders", () => {
  const book = async (who: Session, eventId: string, seat: string) => {
    const b = await hold(who, eventId, { seat_ids: [seat] });
    await checkout(b);
    await outboxHas(h.db, b.booking_id, ["BookingConfirmed"]);
  };

  it("name the real days left (hours on the last day), once each, in both languages", async () => {
    const [ko, en, far] = [await register(), await register("user", { locale: "en" }), await register()];
    const twoDays = await publishedEvent(organizer, { title: "이틀 뒤 공연", start_date: inDays(2), end_date: null });
    const fiveDays = await publishedEvent(organizer, { title: "Five Days Out", start_date: inDays(5), end_date: null });
    const nextMonth = await publishedEvent(organizer, { title: "Next Month", start_date: inDays(30), end_date: null });
    await book(ko, twoDays, "A-1-1");
    await book(en, twoDays, "A-1-2");
    await book(en, fiveDays, "A-1-1");
    await book(far, nextMonth, "A-1-1");
    await Promise.all([sendReminders(h.db, box.channels), sendReminders(h.db, box.channels)]);
    await sendReminders(h.db, box.channels);
    expect(subjects(ko)).toEqual(["[Ticketing Pro] D-2: 이틀 뒤 공연"]);
    expect(box.to(ko.email)[0]!.text).toContain("공연까지 2일 남았습니다.");
    expect(subjects(en)).toEqual(["[Ticketing Pro] In 2 days: 이틀 뒤 공연", "[Ticketing Pro] In 5 days: Five Days Out"]);
    expect(box.to(far.email)).toHaveLength(0);
    // A day and a half later the two-day show is half a day away: the last-day reminder, in hours.
    const later = new Date(Date.now() + 1.5 * 86400_000);
    await sendReminders(h.db, box.channels, later);
    await sendReminders(h.db, box.channels, later);
    expect(subjects(ko)).toEqual(["[Ticketing Pro] 12시간 후 시작: 이틀 뒤 공연", "[Ticketing Pro] D-2: 이틀 뒤 공연"]);
    expect(subjects(en)).toEqual(["[Ticketing Pro] In 12 hours: 이틀 뒤 공연", "[Ticketing Pro] In 2 days: 이틀 뒤 공연", "[Ticketing Pro] In 5 days: Five Days Out"]);
    for (const who of [ko, en]) clean(who);
  });

  it("remind again after the date moves, and never for a cancelled event", async () => {
    const [moved, cancelled] = [await register(), await register()];
    const movedId = await publishedEvent(organizer, { title: "Moving Show", start_date: inDays(3), end_date: null });
    const cancelledId = await publishedEvent(organizer, { title: "Called Off", start_date: inDays(3), end_date: null });
    await book(moved, movedId, "A-1-1");
    await book(cancelled, cancelledId, "A-1-1");
    // The cancelled event's booking is still confirmed in Postgres until its refund lands.
    await h.db.update(events).set({ status: "cancelled" }).where(eq(events.eventId, cancelledId));
    await sendReminders(h.db, box.channels);
    expect(subjects(moved)).toEqual(["[Ticketing Pro] D-3: Moving Show"]);
    expect((await api(`/api/events/${movedId}`, { method: "PUT", token: organizer.access, body: { start_date: inDays(6) } })).status).toBe(200);
    await sendReminders(h.db, box.channels);
    await sendReminders(h.db, box.channels);
    expect(subjects(moved)).toEqual(["[Ticketing Pro] D-3: Moving Show", "[Ticketing Pro] D-6: Moving Show"]);
    expect(box.to(cancelled.email)).toHaveLength(0);
  });
});
