import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedProxy } from "../../workers/db";
import type { Db } from "../../src/db/client";
import { makeMessage, parseMessage, type PayloadInput } from "../../src/pipeline/catalogue";
import type { Envelope } from "../../src/pipeline/envelope";
import { notify } from "../../workers/consumers/notifier";
import { api, pool, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { JUNK, startMailbox, type Mailbox } from "../support/mailbox";
import { checkout, hold, outboxHas, outboxOf, type Hold } from "../support/saga";

// An event's cancellation and new date, fanned out to its buyers from Postgres, through a real
// SMTP server: once per buyer whatever the order, the repetition or a crash midway.
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

const deliverAll = async (envelopes: Envelope[], db: Db = h.db) => { for (const e of envelopes) await notify(db, box.channels, e); };
const subjects = (who: Session) => box.to(who.email).map((m) => m.subject ?? "").sort();
const textOf = (who: Session, subject: string) => box.to(who.email).find((m) => m.subject?.includes(subject))?.text ?? "";
const clean = (who: Session) => {
  for (const m of box.to(who.email)) for (const junk of JUNK) { expect(m.text ?? "").not.toMatch(junk); expect(String(m.html)).not.toMatch(junk); }
};
const shuffle = <T>(xs: T[]) => [...xs].sort(() => Math.random() - 0.5);
const paid = async (who: Session, eventId: string, what: Parameters<typeof hold>[2]): Promise<Hold> => {
  const b = await hold(who, eventId, what);
  await checkout(b);
  await outboxHas(h.db, b.booking_id, ["BookingConfirmed"]);
  return b;
};
/** The event as the Worker announces it (the data of its event messages). */
const eventData = async (eventId: string) => (await api<PayloadInput<"EventCancelled">>(`/api/events/${eventId}`)).body;
const eventCancelled = async (eventId: string) => makeMessage("EventCancelled", eventId, { ...await eventData(eventId), status: "cancelled" }, { correlationId: "test" }).envelope;
/** A booking's RefundProcessed after the event's cancellation, in the EventRoom's shape. */
const refundedByCancellation = (who: Session, eventId: string, bookingId: string, items: { item_id: string; kind: "seat" | "area"; quantity: number }[], total: number) =>
  makeMessage("RefundProcessed", bookingId, {
    booking_id: bookingId, event_id: eventId, user_id: who.userId, status: "refunded", seats: items.filter((i) => i.kind === "seat").map((i) => i.item_id),
    items: items.map((i) => ({ ...i, unit_price: 150000 })), total_amount: total, currency: "KRW", reason: "event_cancelled", payment_intent_id: `pi_${bookingId}`,
  }, { correlationId: "test" }).envelope;

/**
 * Failure injection: a database handle whose connection "drops" at the n-th insert (the n-th
 * notification claimed), as a consumer crash midway through a fan-out would leave things.
 */
function droppingAtInsert(db: Db, n: number): Db {
  let inserts = 0;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "insert") return Reflect.get(target, prop, receiver);
      return (...args: Parameters<Db["insert"]>) => {
        if (++inserts >= n) throw new Error("injected: the database connection dropped");
        return target.insert(...args);
      };
    },
  });
}

describe("event cancelled: fan-out to buyers", () => {
  for (const order of ["the EventCancelled message first", "the refunds first"] as const) {
    it(`over HTTP, ${order}: paid buyers learn it once and get their refund mail; the unpaid holder hears only of the hold`, async () => {
      const phone = order === "the refunds first" ? "+82 10-7777-0011" : "+82 10-7777-0001";
      const [seatFan, gaFan, selfRefunded, holder] = [
        await register("user", { phone_number: phone }), await register("user", { locale: "en" }), await register(), await register("user", { locale: "en" }),
      ];
      const title = `Cancelled Tour (${order})`;
      const eventId = await publishedEvent(organizer, { title });
      const a = await paid(seatFan, eventId, { seat_ids: ["A-1-1", "A-1-2"] });
      const b = await paid(gaFan, eventId, { area: "FLOOR", quantity: 3 });
      const c = await paid(selfRefunded, eventId, { seat_ids: ["A-2-1"] });
      expect((await api(`/api/payment/${c.booking_id}/refund`, { method: "POST", token: selfRefunded.access })).status).toBe(202);
      await outboxHas(h.db, c.booking_id, ["RefundProcessed"]);
      const d = await hold(holder, eventId, { seat_ids: ["A-2-2"] });
      expect((await api(`/api/events/${eventId}/cancel`, { method: "POST", token: organizer.access })).status).toBe(200);
      await outboxHas(h.db, a.booking_id, ["RefundProcessed"]);
      await outboxHas(h.db, b.booking_id, ["RefundProcessed"]);
      await outboxHas(h.db, d.booking_id, ["BookingCancelled"]);
      const all = await outboxOf(h.db, [eventId, a.booking_id, b.booking_id, c.booking_id, d.booking_id]);
      const announcement = all.filter((e) => e.event_type === "EventCancelled");
      expect(announcement).toHaveLength(1);
      const rest = all.filter((e) => e.event_type !== "EventCancelled");
      await deliverAll(order === "the EventCancelled message first" ? [...announcement, ...rest] : [...rest, ...announcement]);
      // And again, twice at once, in other orders.
      await Promise.all([deliverAll([...all].reverse()), deliverAll(shuffle(all))]);

      expect(subjects(seatFan)).toEqual([
        `[Ticketing Pro] 공연이 취소되었습니다: ${title}`, `[Ticketing Pro] 예매가 확정되었습니다: ${title}`, `[Ticketing Pro] 환불이 완료되었습니다 (₩300,000): ${title}`,
      ]);
      expect(textOf(seatFan, "공연이 취소")).toContain("티켓 2매가 취소되었으며, 결제하신 ₩300,000은(는) 자동으로 환불됩니다.");
      expect(textOf(seatFan, "공연이 취소")).toContain("좌석: A-1-1, A-1-2");
      expect(textOf(seatFan, "환불이 완료")).toContain("공연 취소에 따른 환불이 완료되었습니다.");
      expect(box.smsTo(phone).map((s) => s.text).sort()).toEqual([`[Ticketing Pro] 공연이 취소되었습니다: ${title}`, `[Ticketing Pro] 예매가 확정되었습니다: ${title}`]);
      expect(subjects(gaFan)).toEqual([
        `[Ticketing Pro] Booking confirmed: ${title}`, `[Ticketing Pro] Event cancelled: ${title}`, `[Ticketing Pro] Refund completed (₩297,000): ${title}`,
      ]);
      expect(textOf(gaFan, "Event cancelled")).toContain("Your 3 tickets are cancelled and your ₩297,000 comes back to you automatically");
      expect(textOf(gaFan, "Event cancelled")).toContain("Seats: FLOOR × 3");
      // Refunded at their own request before: their booking was not the cancellation's to take.
      expect(subjects(selfRefunded)).toEqual([`[Ticketing Pro] 예매가 확정되었습니다: ${title}`, `[Ticketing Pro] 환불이 완료되었습니다 (₩150,000): ${title}`]);
      expect(textOf(selfRefunded, "환불")).toContain("요청하신 환불이 완료되었습니다.");
      expect(subjects(holder)).toEqual([`[Ticketing Pro] Event cancelled, booking cancelled: ${title}`]);
      expect(box.to(holder.email)[0]!.text).toContain("the event was cancelled, so your unpaid booking was cancelled. Nothing was charged.");
      for (const who of [seatFan, gaFan, selfRefunded, holder]) clean(who);
    });
  }

  it("reaches buyers whose refunds are still pending, and those Postgres has not heard of yet, once each", async () => {
    const [x, y, z] = [await register(), await register("user", { locale: "en" }), await register()];
    const eventId = await publishedEvent(organizer, { title: "Announced Early" });
    const bx = await paid(x, eventId, { seat_ids: ["A-1-1"] });
    const by = await paid(y, eventId, { seat_ids: ["A-1-2", "A-1-3"] });
    // z's booking was confirmed in the room but has not reached Postgres when the news goes out.
    const zBooking = crypto.randomUUID();
    const announcement = await eventCancelled(eventId);
    expect(await notify(h.db, box.channels, announcement)).toBe("sent");
    expect(subjects(x)).toEqual(["[Ticketing Pro] 공연이 취소되었습니다: Announced Early"]);
    expect(subjects(y)).toEqual(["[Ticketing Pro] Event cancelled: Announced Early"]);
    expect(box.to(z.email)).toHaveLength(0);
    const refunds = [
      refundedByCancellation(x, eventId, bx.booking_id, [{ item_id: "A-1-1", kind: "seat", quantity: 1 }], 150000),
      refundedByCancellation(y, eventId, by.booking_id, [{ item_id: "A-1-2", kind: "seat", quantity: 1 }, { item_id: "A-1-3", kind: "seat", quantity: 1 }], 300000),
      refundedByCancellation(z, eventId, zBooking, [{ item_id: "FLOOR", kind: "area", quantity: 2 }], 198000),
    ];
    await Promise.all([deliverAll(refunds), deliverAll([...refunds, announcement].reverse())]);
    expect(subjects(x)).toEqual(["[Ticketing Pro] 공연이 취소되었습니다: Announced Early", "[Ticketing Pro] 환불이 완료되었습니다 (₩150,000): Announced Early"]);
    expect(subjects(y)).toEqual(["[Ticketing Pro] Event cancelled: Announced Early", "[Ticketing Pro] Refund completed (₩300,000): Announced Early"]);
    expect(subjects(z)).toEqual(["[Ticketing Pro] 공연이 취소되었습니다: Announced Early", "[Ticketing Pro] 환불이 완료되었습니다 (₩198,000): Announced Early"]);
    expect(textOf(z, "공연이 취소")).toContain("좌석: FLOOR 구역 2매");
    for (const who of [x, y, z]) clean(who);
  });

  it("a crash midway through a fan-out to many buyers: redelivered, concurrently, nobody is mailed twice or skipped", async () => {
    const eventId = await publishedEvent(organizer, {
      title: "Crowd Cancelled", seat_map: { sections: [{ name: "A", price: 150000, rows: [{ label: "1", seats: 12 }, { label: "2", seats: 12 }] }], areas: [] },
    });
    const fans = await pool(6, Array.from({ length: 24 }, (_, i) => () => register("user", i % 3 ? {} : { locale: "en" })));
    const bookings = await pool(6, fans.map((f, i) => () => paid(f, eventId, { seat_ids: [`A-${1 + (i % 2)}-${1 + Math.floor(i / 2)}`] })));
    const announcement = await eventCancelled(eventId);
    // Failure injection: the connection drops at the 10th claim, so nine buyers had their mail.
    await expect(notify(droppingAtInsert(h.db, 10), box.channels, announcement)).rejects.toThrow("injected");
    expect(fans.filter((f) => box.to(f.email).length === 1)).toHaveLength(9);
    expect(fans.filter((f) => box.to(f.email).length > 1)).toHaveLength(0);
    // Kafka redelivers; meanwhile the bookings' own refund messages arrive, on other partitions.
    const refunds = fans.map((f, i) => refundedByCancellation(f, eventId, bookings[i]!.booking_id, [{ item_id: `A-${1 + (i % 2)}-${1 + Math.floor(i / 2)}`, kind: "seat", quantity: 1 }], 150000));
    await Promise.all([deliverAll([announcement]), deliverAll([announcement]), deliverAll(shuffle(refunds)), deliverAll(shuffle(refunds))]);
    fans.forEach((f, i) => {
      const got = box.to(f.email);
      expect(got).toHaveLength(2);
      const cancelled = got.find((m) => /공연이 취소|Event cancelled/.test(m.subject ?? ""));
      expect(cancelled?.text).toContain(bookings[i]!.booking_id);
      expect(cancelled?.text).toContain(`A-${1 + (i % 2)}-${1 + Math.floor(i / 2)}`);
      // Nobody else's booking in anyone's mail.
      for (const m of got) for (const other of bookings) if (other !== bookings[i]) expect(m.text).not.toContain(other.booking_id);
    });
  });
});

describe("event rescheduled: fan-out to buyers", () => {
  it("each confirmed buyer gets one mail naming the old and new date and the refund deadline; holders and refunded buyers none", async () => {
    const [ko, en, holder, refunded] = [await register("user", { phone_number: "+82 10-7777-0002" }), await register("user", { locale: "en" }), await register(), await register()];
    const eventId = await publishedEvent(organizer, { title: "Moved Show", start_date: "2027-04-01T10:00:00.000Z", end_date: null });
    await paid(ko, eventId, { seat_ids: ["A-1-1"] });
    await paid(en, eventId, { area: "FLOOR", quantity: 2 });
    const r = await paid(refunded, eventId, { seat_ids: ["A-1-2"] });
    expect((await api(`/api/payment/${r.booking_id}/refund`, { method: "POST", token: refunded.access })).status).toBe(202);
    await outboxHas(h.db, r.booking_id, ["RefundProcessed"]);
    await hold(holder, eventId, { seat_ids: ["A-1-3"] });
    expect((await api(`/api/events/${eventId}`, { method: "PUT", token: organizer.access, body: { start_date: "2027-05-01T10:00:00.000Z" } })).status).toBe(200);
    const updated = (await outboxHas(h.db, eventId, ["EventUpdated"])).filter((e) => e.event_type === "EventUpdated").at(-1)!;
    // Not a date move as far as the message says: no mail.
    const { previous_start_date: _p, refund_closes_at: _r, ...plain } = updated.data;
    expect(await notify(h.db, box.channels, { ...updated, data: plain })).toBe("ignored:date_unchanged");
    // The producer's contract: previous_start_date when the start moved, and refund_closes_at.
    const moved = { ...updated, data: { ...plain, previous_start_date: "2027-04-01T10:00:00.000Z", refund_closes_at: "2027-04-20T10:00:00.000Z" } };
    await Promise.all([deliverAll([moved]), deliverAll([moved])]);
    await deliverAll([moved]);
    expect(subjects(ko)).toEqual(["[Ticketing Pro] 공연 일정이 변경되었습니다: Moved Show"]);
    const koText = box.to(ko.email)[0]!.text!;
    expect(koText).toContain("기존 일시: 2027년 4월 1일 목요일 오후 7:00");
    expect(koText).toContain("변경 일시: 2027년 5월 1일 토요일 오후 7:00");
    expect(koText).toContain("2027년 4월 20일 화요일 오후 7:00까지 환불을 요청하실 수 있습니다.");
    expect(box.smsTo("+82 10-7777-0002")).toHaveLength(1);
    expect(subjects(en)).toEqual(["[Ticketing Pro] New date: Moved Show"]);
    const enText = box.to(en.email)[0]!.text!;
    expect(enText).toContain("Was: Thursday, 1 April 2027 at 19:00");
    expect(enText).toContain("Now: Saturday, 1 May 2027 at 19:00");
    expect(enText).toContain("refund until Tuesday, 20 April 2027 at 19:00");
    expect(enText).toContain("Seats: FLOOR × 2");
    expect(box.to(holder.email)).toHaveLength(0);
    expect(box.to(refunded.email)).toHaveLength(0);

    // Moved again, announced without a deadline: the refund-window rule supplies it (24 hours before).
    expect((await api(`/api/events/${eventId}`, { method: "PUT", token: organizer.access, body: { start_date: "2027-06-01T10:00:00.000Z" } })).status).toBe(200);
    const again = (await outboxOf(h.db, [eventId])).filter((e) => e.event_type === "EventUpdated").at(-1)!;
    const typed = parseMessage(again);
    if (!typed.ok || typed.message.event_type !== "EventUpdated") throw new Error("the Worker's EventUpdated does not fit its type");
    const { previous_start_date: _p2, refund_closes_at: _r2, ...plain2 } = typed.message.data;
    await deliverAll([{ ...again, data: { ...plain2, previous_start_date: "2027-05-01T10:00:00.000Z" } }]);
    expect(subjects(ko)).toHaveLength(2);
    const second = box.to(ko.email).map((m) => m.text ?? "").find((t) => t.includes("2027년 6월 1일"))!;
    expect(second).toContain("기존 일시: 2027년 5월 1일 토요일 오후 7:00");
    expect(second).toContain("2027년 5월 31일 월요일 오후 7:00까지 환불");

    // Cancelled since: a late reschedule announcement says nothing.
    expect((await api(`/api/events/${eventId}/cancel`, { method: "POST", token: organizer.access })).status).toBe(200);
    const late = makeMessage("EventUpdated", eventId, { ...plain2, previous_start_date: "2027-06-01T10:00:00.000Z", start_date: "2027-07-01T10:00:00.000Z" }, { correlationId: "test" }).envelope;
    expect(await notify(h.db, box.channels, late)).toBe("ignored:event_cancelled");
    expect(subjects(ko)).toHaveLength(2);
    for (const who of [ko, en]) clean(who);
  });
});
