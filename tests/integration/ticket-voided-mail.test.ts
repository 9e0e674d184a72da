/**
 * A ticket given to someone else and then voided (the organizer refunds the booking it came from,
 * or cancels the event): its holder is told once, in their language, with nothing of the buyer's
 * booking; the buyer is told only by the refund's own mail. Through a real SMTP server, with the
 * ticket's messages delivered twice and out of order.
 */
import { asc, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox } from "../../src/db/schema";
import { envelopeSchema, type Envelope } from "../../src/pipeline/envelope";
import { closeSharedProxy } from "../../workers/db";
import { notify } from "../../workers/consumers/notifier";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { JUNK, startMailbox, type Mailbox } from "../support/mailbox";
import { buyTickets, phone, scan } from "../support/tickets";

let h: Awaited<ReturnType<typeof testDb>>;
let box: Mailbox;
let organizer: Session;

beforeAll(async () => {
  h = await testDb();
  box = await startMailbox();
  organizer = await register("organizer");
}, 120_000);
afterAll(async () => {
  await box.close();
  await h.close();
  await closeSharedProxy();
});

const TITLE = "아이유 콘서트 2027 — 서울";
const gaEvent = () => publishedEvent(organizer, {
  title: TITLE,
  seat_map: { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 2 }] }], areas: [{ name: "FLOOR", price: 1000, capacity: 50 }] },
});

/** Every message of these tickets and their booking in Postgres's outbox, once a TicketRevoked of each is there. */
async function storyOf(ticketIds: string[], bookingId: string): Promise<Envelope[]> {
  return eventually(async () => {
    const rows = await h.db.select().from(outbox).where(inArray(outbox.aggregateId, [...ticketIds, bookingId])).orderBy(asc(outbox.seq));
    const all = rows.map((r) => envelopeSchema.parse(r.envelope));
    const revoked = new Set(all.filter((e) => e.event_type === "TicketRevoked").map((e) => e.data.ticket_id));
    return ticketIds.every((t) => revoked.has(t)) ? all : undefined;
  }, 60_000, "the tickets' revocations in Postgres");
}

/** Each message three times: in order, reversed, and twice at once. */
async function deliverRepeatedly(story: Envelope[]): Promise<void> {
  for (const e of story) await notify(h.db, box.channels, e);
  for (const e of [...story].reverse()) await notify(h.db, box.channels, e);
  await Promise.all(story.map((e) => notify(h.db, box.channels, e)));
}

const VOIDED = { ko: "[Ticketing Pro] 받은 티켓이 취소되었습니다: ", en: "[Ticketing Pro] A ticket you received was cancelled: " };
const voidedMails = (who: Session) => box.to(who.email).filter((m) => m.subject === VOIDED.ko + TITLE || m.subject === VOIDED.en + TITLE);

describe("a given ticket that is voided", () => {
  for (const cause of ["the organizer refunds the booking", "the event is cancelled"] as const) {
    it(`${cause}: the holder is mailed once, the buyer not, the gate refuses it`, async () => {
      const eventId = await gaEvent();
      const buyer = await register("user", { name: "김민지" });
      const [holderEn, holderKo] = [await register("user", { name: "Alex Kim", locale: "en" }), await register("user", { name: "이수진" })];
      const { bookingId, tickets } = await buyTickets(buyer, eventId, 3);
      const [toEn, toKo, kept] = tickets.map((t) => t.ticket_id);
      for (const [ticketId, to] of [[toEn!, holderEn], [toKo!, holderKo]] as const) {
        expect((await api(`/api/tickets/${ticketId}/transfer`, { token: buyer.access, body: { email: to.email } })).status).toBe(200);
      }
      const holderCode = await phone(holderEn, toEn!);

      if (cause === "the organizer refunds the booking") {
        expect((await api(`/api/payment/${bookingId}/refund`, { method: "POST", token: organizer.access })).status).toBe(202);
      } else {
        expect((await api(`/api/events/${eventId}/cancel`, { method: "POST", token: organizer.access })).status).toBe(200);
      }
      expect((await scan(organizer, eventId, await holderCode())).result).toBe("revoked");
      const story = await storyOf([toEn!, toKo!, kept!], bookingId);
      await deliverRepeatedly(story);

      const [en, ko] = [voidedMails(holderEn), voidedMails(holderKo)];
      expect(en).toHaveLength(1);
      expect(ko).toHaveLength(1);
      expect(en[0]!.text).toContain(cause === "the event is cancelled" ? "the event was cancelled" : "the organizer refunded the booking it came from");
      expect(ko[0]!.text).toContain(cause === "the event is cancelled" ? "공연이 취소되어" : "주최 측이 이 티켓의 예매를 환불하여");
      for (const m of [...en, ...ko]) {
        // Nothing of the buyer's booking: not its number, not what was paid, not the buyer's name.
        expect(m.text ?? "").not.toContain(bookingId);
        expect(m.text ?? "").not.toMatch(/₩|KRW/);
        expect(m.text ?? "").not.toContain("김민지");
        for (const junk of JUNK) expect(m.text ?? "").not.toMatch(junk);
      }
      // The buyer kept one ticket and paid for all: the refund's mail is theirs, not this one.
      expect(voidedMails(buyer)).toEqual([]);
    }, 300_000);
  }

  it("a ticket voided while its buyer holds it mails nobody of this kind", async () => {
    const eventId = await gaEvent();
    const buyer = await register();
    const { bookingId, tickets } = await buyTickets(buyer, eventId, 1);
    expect((await api(`/api/payment/${bookingId}/refund`, { method: "POST", token: organizer.access })).status).toBe(202);
    const story = await storyOf([tickets[0]!.ticket_id], bookingId);
    const revoked = story.filter((e) => e.event_type === "TicketRevoked");
    for (const e of revoked) expect(await notify(h.db, box.channels, e)).toBe("ignored:held_by_buyer");
    expect(voidedMails(buyer)).toEqual([]);
  }, 300_000);
});
