/**
 * Ticket transfer over HTTP against the running Worker, with the room's outbox reaching Postgres,
 * the bridge publishing to the real Kafka broker, and the notifier mailing through a real SMTP
 * server. The room serializes a transfer with every scan, binding and other transfer of the
 * ticket: nothing is admitted twice, no ticket ends with two holders, and refusals change nothing.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Consumer, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox, ticketTransfers, tickets, users } from "../../src/db/schema";
import { applyDelta, gateRevoked, readManifest } from "../../src/domain/tickets/manifest";
import { makeMessage, type PayloadInput } from "../../src/pipeline/catalogue";
import { envelopeSchema, type Envelope } from "../../src/pipeline/envelope";
import { recordMessages } from "../../src/pipeline/projection";
import { closeSharedProxy } from "../../workers/db";
import { notify } from "../../workers/consumers/notifier";
import { kafkaClient, kafkaSink, runConsumer } from "../../workers/kafka/bus";
import { runRelay } from "../../workers/outbox-relay";
import { api, eventually, pool, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { KAFKA_BROKERS } from "../support/env";
import { JUNK, startMailbox, type Mailbox } from "../support/mailbox";
import { bindPhone, buyTickets, phone, scan, wallet, walletWhen, type WalletTicket } from "../support/tickets";

let h: Awaited<ReturnType<typeof testDb>>;
let box: Mailbox;
let kafka: Kafka;
let consumer: Consumer;
let organizer: Session;
/** What reached Kafka's ticket-events topic, by message id. */
const fromKafka = new Map<string, Envelope>();
const bridge = new AbortController();
let relaying: Promise<void>;

beforeAll(async () => {
  h = await testDb();
  box = await startMailbox();
  organizer = await register("organizer");
  kafka = kafkaClient(KAFKA_BROKERS, "ticket-transfer-test");
  // The bridge (Postgres outbox → Kafka) and a consumer of ticket-events in its own group.
  const sink = await kafkaSink(kafka);
  relaying = runRelay(h.db, sink, { signal: bridge.signal, idleMs: 100 }).finally(() => sink.disconnect());
  consumer = await runConsumer(kafka, `ticket-transfer-test-${Date.now()}`, ["ticket-events"], async (es) => {
    for (const e of es) fromKafka.set(e.event_id, e);
    return es.map(() => "seen");
  }, () => {});
}, 120_000);
const atMost = (p: Promise<unknown>, ms = 10_000) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
afterAll(async () => {
  bridge.abort();
  await atMost(relaying);
  await atMost(consumer.disconnect());
  await box.close();
  await atMost(h.close());
  await atMost(closeSharedProxy());
}, 60_000);

const gaEvent = (capacity = 50) => publishedEvent(organizer, {
  title: "아이유 콘서트 2027 — 서울",
  seat_map: { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 2 }] }], areas: [{ name: "FLOOR", price: 1000, capacity }] },
});

const transfer = (who: Session, ticketId: string, email: string) =>
  api<{ status: string; ticket_id: string; code?: string }>(`/api/tickets/${ticketId}/transfer`, { token: who.access, body: { email } });

/** The ticket's messages in Postgres's outbox, in order. */
async function ticketMessages(ticketId: string): Promise<Envelope[]> {
  const rows = await h.db.select().from(outbox).where(and(eq(outbox.aggregateId, ticketId), eq(outbox.topic, "ticket-events"))).orderBy(asc(outbox.seq));
  return rows.map((r) => envelopeSchema.parse(r.envelope));
}

const mailTo = (who: Session) => box.to(who.email);

describe("ticket transfer", () => {
  it("10 concurrent transfers of one ticket to 10 accounts: exactly one wins; the old code dies online at once and in the next delta; the new holder's phone is admitted once", async () => {
    const eventId = await gaEvent();
    const fan = await register("user", { name: "김민지" });
    const ticketId = (await buyTickets(fan, eventId, 1)).tickets[0]!.ticket_id;
    const oldCode = await phone(fan, ticketId);
    expect((await scan(organizer, eventId, await oldCode(), "probe")).result).toBe("admitted");
    // That was a real admission: a used ticket cannot move. A fresh ticket for the race:
    expect((await transfer(fan, ticketId, (await register()).email)).body).toMatchObject({ code: "ticket_used" });
    const { bookingId, tickets: [bought] } = await buyTickets(fan, eventId, 1);
    const second = bought!;
    const code = await phone(fan, second.ticket_id);
    const manifest = await api(`/api/gate/${eventId}/manifest`, { token: organizer.access });
    expect(manifest.status).toBe(200);
    const gate = readManifest(manifest.body);
    if (!gate.ok) throw new Error(gate.problem);
    const shown = await code();

    const recipients = await pool(10, Array.from({ length: 10 }, (_, i) => () => register("user", { name: `Recipient ${i}`, locale: i % 2 ? "en" : "ko" })));
    const answers = await Promise.all(recipients.map((r) => transfer(fan, second.ticket_id, r.email.toUpperCase())));
    const won = answers.flatMap((a, i) => (a.status === 200 ? [recipients[i]!] : []));
    expect(won).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect(a.body).toMatchObject({ status: 409, code: "ticket_transferred" });
    const winner = won[0]!;

    // Online: the code the sender's phone shows is refused at once.
    expect((await scan(organizer, eventId, shown)).result).toBe("revoked");
    expect((await scan(organizer, eventId, await code())).result).toBe("revoked");
    // Offline: the next delta carries the floor, so the gate refuses the old core too.
    const delta = await api(`/api/gate/${eventId}/revocations?cursor=${gate.value.cursor}`, { token: organizer.access });
    expect(delta.status).toBe(200);
    const next = applyDelta(gate.value, delta.body);
    if (!next.ok) throw new Error(next.problem);
    expect(gateRevoked(gate.value)(second.ticket_id, 1)).toBe(false);
    expect(gateRevoked(next.value)(second.ticket_id, 1)).toBe(true);
    expect(gateRevoked(next.value)(second.ticket_id, 2)).toBe(false);

    // The sender can no longer bind, transfer or refund it; the wallets say who holds it.
    expect((await bindPhone(fan, second.ticket_id)).status).toBe(404);
    expect((await transfer(fan, second.ticket_id, recipients[0]!.email)).body).toMatchObject({ code: "ticket_transferred" });
    const refund = await api(`/api/payment/${bookingId}/refund`, { method: "POST", token: fan.access });
    expect(refund.body).toMatchObject({ status: 409, code: "tickets_transferred" });
    const mine = await walletWhen(fan, eventId, (ts) => ts.some((t) => t.ticket_id === second.ticket_id && t.status === "transferred"), "the sender's wallet to show it transferred");
    expect(mine.find((t) => t.ticket_id === second.ticket_id)?.transferred_at).toBeTruthy();
    const theirs = await walletWhen(winner, eventId, (ts) => ts.length === 1, "the recipient's wallet");
    expect(theirs[0]).toMatchObject({ ticket_id: second.ticket_id, status: "valid" });
    for (const r of recipients.filter((x) => x !== winner)) expect(await wallet(r, eventId)).toEqual([]);
    // The recipient's own phone: bound under the next version, admitted once.
    const bound = await bindPhone(winner, second.ticket_id);
    expect(bound.version).toBe(2);
    const theirCode = await bound.code!();
    const scans = await Promise.all(Array.from({ length: 5 }, (_, i) => scan(organizer, eventId, theirCode, `gate-${i}`)));
    expect(scans.filter((s) => s.result === "admitted")).toHaveLength(1);
    expect(scans.filter((s) => s.result === "already_used")).toHaveLength(4);
    // Used now: it cannot move again, and the wallet says so once Postgres has the check-in.
    expect((await transfer(winner, second.ticket_id, fan.email)).body).toMatchObject({ code: "ticket_used" });
    await walletWhen(winner, eventId, (ts) => ts[0]?.status === "used", "the recipient's wallet to show the ticket used");

    // Postgres: the record follows the room (holder, revision), one transfer row; the outbox holds the ticket's story.
    const story = await eventually(async () => {
      const m = await ticketMessages(second.ticket_id);
      return m.some((e) => e.event_type === "TicketCheckedIn") ? m : undefined;
    }, 60_000, "the ticket's messages in Postgres");
    expect(story.map((e) => e.event_type)).toEqual(["TicketIssued", "TicketTransferred", "TicketCheckedIn"]);
    const [row] = await h.db.select().from(tickets).where(eq(tickets.ticketId, second.ticket_id));
    expect(row).toMatchObject({ userId: winner.userId, revision: 3, status: "valid" });
    expect(row?.checkedInAt).toBeInstanceOf(Date);
    expect(await h.db.select().from(ticketTransfers).where(eq(ticketTransfers.ticketId, second.ticket_id))).toHaveLength(1);
    // Kafka: the bridge published them to ticket-events.
    await eventually(async () => (story.every((e) => fromKafka.has(e.event_id)) ? true : undefined), 90_000, "the ticket's messages on Kafka");
    expect(fromKafka.get(story[1]!.event_id)?.data).toMatchObject({ ticket_id: second.ticket_id, holder_id: winner.userId, from_user_id: fan.userId, core_floor: 2 });

    // The notifier: one mail to each side, in each one's language, however often and in whatever order the messages come.
    const transferred = story[1]!;
    for (const e of [transferred, story[0]!, transferred, story[2]!, transferred]) await notify(h.db, box.channels, e);
    const [sent, received] = [mailTo(fan), mailTo(winner)];
    expect(sent.map((m) => m.subject)).toEqual(["[Ticketing Pro] 티켓을 보냈습니다: 아이유 콘서트 2027 — 서울"]);
    expect(sent[0]!.text).toContain(`Recipient ${recipients.indexOf(winner)}`);
    const en = recipients.indexOf(winner) % 2 === 1;
    expect(received.map((m) => m.subject)).toEqual([en ? "[Ticketing Pro] You received a ticket: 아이유 콘서트 2027 — 서울" : "[Ticketing Pro] 티켓을 받았습니다: 아이유 콘서트 2027 — 서울"]);
    expect(received[0]!.text).toContain("김민지");
    expect(received[0]!.text).toMatch(/https?:\/\/\S+\/tickets/);
    for (const m of [...sent, ...received]) for (const junk of JUNK) expect(m.text ?? "").not.toMatch(junk);
    for (const r of recipients.filter((x) => x !== winner)) expect(mailTo(r)).toEqual([]);
  }, 600_000);

  it("a transfer racing a scan: either admitted and the transfer refused, or transferred and the old code revoked; never both", async () => {
    const eventId = await gaEvent();
    const fan = await register();
    const { tickets: sold } = await buyTickets(fan, eventId, 8);
    const codes = await pool(8, sold.map((t) => () => phone(fan, t.ticket_id)));
    const recipients = await pool(8, sold.map(() => () => register()));
    // The scan leaves later and later (0 to 280 ms after the transfer), so races fall both ways; the
    // first ticket is scanned before its transfer and the last transferred before its scan, so both outcomes occur.
    const outcomes = await Promise.all(sold.map(async (t, i) => {
      const shown = await codes[i]!();
      const scanLater = async () => {
        await new Promise((r) => setTimeout(r, i * 40));
        return scan(organizer, eventId, shown, `race-${i}`);
      };
      const send = () => transfer(fan, t.ticket_id, recipients[i]!.email);
      let s: Awaited<ReturnType<typeof scan>>;
      let x: Awaited<ReturnType<typeof send>>;
      if (i === 0) [s, x] = [await scanLater(), await send()];
      else if (i === sold.length - 1) [x, s] = [await send(), await scanLater()];
      else [s, x] = await Promise.all([scanLater(), send()]);
      return { s: s.result, x: x.status === 200 ? "transferred" : (x.body as { code?: string }).code };
    }));
    for (const o of outcomes) expect([{ s: "admitted", x: "ticket_used" }, { s: "revoked", x: "transferred" }]).toContainEqual(o);
    // Afterwards the sender's phone still shows codes: a transferred ticket's is revoked, an admitted one's already used.
    for (const [i, o] of outcomes.entries()) {
      expect((await scan(organizer, eventId, await codes[i]!(), "after")).result).toBe(o.x === "transferred" ? "revoked" : "already_used");
    }
    // The room's figures agree: admitted tickets are exactly those that stayed.
    const stats = await api<{ admitted: number }>(`/api/events/${eventId}/check-ins`, { token: organizer.access });
    expect(stats.body.admitted).toBe(outcomes.filter((o) => o.s === "admitted").length);
    for (const [i, o] of outcomes.entries()) {
      if (o.x !== "transferred") continue;
      await walletWhen(recipients[i]!, eventId, (ts) => ts.length === 1 && ts[0]!.ticket_id === sold[i]!.ticket_id, "the recipient's wallet");
    }
  }, 600_000);

  it("refuses, changing nothing: unknown recipient, yourself, a staff account, someone else's ticket, a refunded ticket, transfers switched off", async () => {
    const eventId = await gaEvent();
    const fan = await register();
    const other = await register();
    const friend = await register();
    const { bookingId, tickets: sold } = await buyTickets(fan, eventId, 2);
    const [a, b] = [sold[0]!, sold[1]!];
    const admin = await register();
    await h.db.update(users).set({ role: "admin" }).where(eq(users.userId, admin.userId));

    const refusals: [Session, string, string, number, string][] = [
      [fan, a.ticket_id, `nobody-${Date.now()}@test.ticketing.pro`, 404, "recipient_not_found"],
      [fan, a.ticket_id, fan.email, 422, "self_transfer"],
      [fan, a.ticket_id, admin.email, 422, "recipient_not_eligible"],
      [other, a.ticket_id, friend.email, 404, "not_found"],
      [friend, crypto.randomUUID(), other.email, 404, "not_found"],
    ];
    for (const [who, id, email, status, code] of refusals) {
      const r = await transfer(who, id, email);
      expect(r.status, code).toBe(status);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body).toMatchObject({ code });
      // Never says whose it is.
      expect(JSON.stringify(r.body)).not.toContain(fan.email);
      expect(JSON.stringify(r.body)).not.toContain(fan.userId);
    }
    expect((await transfer(fan, a.ticket_id, "not an email")).status).toBe(422);

    // The organizer switches transfers off: refused; on again: allowed.
    const settings = `/api/events/${eventId}/ticket-settings`;
    expect((await api(settings, { token: organizer.access })).body).toEqual({ reentry: false, transfers: true });
    for (const who of [fan, await register("organizer")]) expect((await api(settings, { method: "PUT", token: who.access, body: { reentry: false, transfers: false } })).status).toBe(403);
    expect((await api(settings, { method: "PUT", token: organizer.access, body: { reentry: true, transfers: false } })).body).toEqual({ reentry: true, transfers: false });
    expect((await api(settings, { method: "PUT", token: organizer.access, body: { transfers: true } })).status).toBe(422);
    const off = await Promise.all([transfer(fan, a.ticket_id, friend.email), transfer(fan, b.ticket_id, friend.email)]);
    for (const r of off) expect(r.body).toMatchObject({ status: 409, code: "transfers_disabled" });
    expect((await api<{ reentry: boolean }>(`/api/events/${eventId}/check-ins`, { token: organizer.access })).body.reentry).toBe(true);
    expect((await api(settings, { method: "PUT", token: organizer.access, body: { reentry: false, transfers: true } })).status).toBe(200);

    // Nothing moved: both tickets still the fan's, the others' wallets empty, no transfer recorded anywhere.
    expect((await wallet(fan, eventId)).map((t) => t.status)).toEqual(["valid", "valid"]);
    for (const who of [other, friend, admin]) expect(await wallet(who, eventId)).toEqual([]);
    expect(await h.db.select().from(ticketTransfers).where(inArray(ticketTransfers.ticketId, [a.ticket_id, b.ticket_id]))).toEqual([]);
    expect((await ticketMessages(a.ticket_id)).map((e) => e.event_type)).toEqual(["TicketIssued"]);

    // A transfer, then the buyer's refund request is refused (the tickets are someone else's now).
    expect((await transfer(fan, a.ticket_id, friend.email)).status).toBe(200);
    expect((await api(`/api/payment/${bookingId}/refund`, { method: "POST", token: fan.access })).body).toMatchObject({ code: "tickets_transferred" });
    // The organizer may still refund: both tickets die, whoever holds them, and a refunded ticket cannot move.
    expect((await api(`/api/payment/${bookingId}/refund`, { method: "POST", token: organizer.access })).status).toBe(202);
    await walletWhen(friend, eventId, (ts) => ts[0]?.status === "void", "the recipient's ticket to be void");
    await walletWhen(fan, eventId, (ts) => ts.find((t) => t.ticket_id === b.ticket_id)?.status === "void", "the buyer's ticket to be void");
    expect((await transfer(fan, b.ticket_id, other.email)).body).toMatchObject({ code: "ticket_revoked" });
    expect((await transfer(friend, a.ticket_id, other.email)).body).toMatchObject({ code: "ticket_revoked" });
    expect(await wallet(other, eventId)).toEqual([]);
    const revoked = await eventually(async () => {
      const m = await ticketMessages(a.ticket_id);
      return m.some((e) => e.event_type === "TicketRevoked") ? m : undefined;
    }, 60_000, "TicketRevoked in Postgres");
    expect(revoked.map((e) => e.event_type)).toEqual(["TicketIssued", "TicketTransferred", "TicketRevoked"]);
  }, 600_000);

  it("a recipient sees nothing of the buyer's booking, through any number of hands, for concurrent transfers; given back, it is the buyer's own again", async () => {
    const eventId = await gaEvent();
    const buyer = await register("user", { name: "구매자 박서준" });
    const { bookingId, tickets: bought } = await buyTickets(buyer, eventId, 4);
    const rows = await h.db.select().from(tickets).where(eq(tickets.bookingId, bookingId));
    const issuedAt = (id: string) => rows.find((r) => r.ticketId === id)!.issuedAt.toISOString();
    const buyerFacts = [bookingId, buyer.userId, buyer.email, "구매자 박서준", ...rows.map((r) => r.issuedAt.toISOString())];
    const recipients = await pool(4, Array.from({ length: 4 }, () => () => register()));
    // Four tickets to four accounts at once.
    const sent = await Promise.all(bought.map((t, i) => transfer(buyer, t.ticket_id, recipients[i]!.email)));
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const sentAt = sent.map((r) => (r.body as { transferred_at?: string }).transferred_at);
    /** Every answer the account gets about its tickets (the wallet and each ticket), with none of the buyer's facts in it. */
    const answersOf = async (who: Session) => {
      const list = await api<{ tickets: (WalletTicket & { received_at?: string; issued_at: string })[] }>("/api/tickets", { token: who.access });
      const mine = list.body.tickets.filter((t) => t.event_id === eventId);
      const each = await Promise.all(mine.map((t) => api<Record<string, unknown>>(`/api/tickets/${t.ticket_id}`, { token: who.access })));
      return { mine, text: JSON.stringify([list.body, ...each.map((r) => r.body)]) };
    };
    await Promise.all(recipients.map(async (r, i) => {
      await walletWhen(r, eventId, (ts) => ts.length === 1, "the recipient's wallet");
      const { mine, text } = await answersOf(r);
      expect(mine).toEqual([expect.objectContaining({ ticket_id: bought[i]!.ticket_id, booking_id: null, status: "valid", received_at: sentAt[i], issued_at: sentAt[i] })]);
      for (const fact of buyerFacts) expect(text).not.toContain(fact);
    }));
    // The buyer's own listing: the four shown as given away, still under the buyer's booking.
    const theirs = await walletWhen(buyer, eventId, (ts) => ts.filter((t) => t.status === "transferred").length === 4, "the buyer's wallet");
    expect(theirs.map((t) => [t.status, t.booking_id])).toEqual(Array(4).fill(["transferred", bookingId]));
    // Second hand: recipient 0 passes it on; neither they (now the giver) nor the next holder see the buyer's booking.
    expect((await transfer(recipients[0]!, bought[0]!.ticket_id, recipients[1]!.email)).status).toBe(200);
    await walletWhen(recipients[1]!, eventId, (ts) => ts.length === 2, "the second holder's wallet");
    await walletWhen(recipients[0]!, eventId, (ts) => ts[0]?.status === "transferred", "the first recipient's wallet to show it given away");
    for (const who of [recipients[0]!, recipients[1]!]) {
      const { mine, text } = await answersOf(who);
      expect(mine.every((t) => t.booking_id === null)).toBe(true);
      for (const fact of buyerFacts) expect(text).not.toContain(fact);
    }
    // Given back to the buyer: their own booking's ticket again, not a received one.
    expect((await transfer(recipients[1]!, bought[0]!.ticket_id, buyer.email)).status).toBe(200);
    const back = await walletWhen(buyer, eventId, (ts) => ts.some((t) => t.ticket_id === bought[0]!.ticket_id && t.status === "valid"), "the buyer's wallet to hold it again");
    expect(back.find((t) => t.ticket_id === bought[0]!.ticket_id)).toEqual(expect.objectContaining({ booking_id: bookingId, issued_at: issuedAt(bought[0]!.ticket_id) }));
    expect(back.find((t) => t.ticket_id === bought[0]!.ticket_id)).not.toHaveProperty("received_at");
  });

  it("the projection keeps the newest record whatever the order and number of deliveries", async () => {
    const [buyer, holder] = [crypto.randomUUID(), crypto.randomUUID()];
    const base: PayloadInput<"TicketIssued"> = {
      ticket_id: crypto.randomUUID(), event_id: crypto.randomUUID(), booking_id: crypto.randomUUID(), item_id: "FLOOR#1", holder_id: buyer,
      status: "valid", revision: 1, issued_at: new Date().toISOString(), checked_in_at: null,
    };
    const at = new Date().toISOString();
    const issued = makeMessage("TicketIssued", base.ticket_id, base, { correlationId: "test" });
    const moved = makeMessage("TicketTransferred", base.ticket_id, { ...base, holder_id: holder, revision: 2, from_user_id: buyer, transferred_at: at, core_floor: 2 }, { correlationId: "test" });
    const used = makeMessage("TicketCheckedIn", base.ticket_id, { ...base, holder_id: holder, revision: 3, checked_in_at: at, gate_id: "north" }, { correlationId: "test" });
    await recordMessages(h.db, [used]);
    await recordMessages(h.db, [moved, issued]);
    await recordMessages(h.db, [issued, moved, used]);
    const [row] = await h.db.select().from(tickets).where(eq(tickets.ticketId, base.ticket_id));
    expect(row).toMatchObject({ userId: holder, revision: 3, status: "valid", itemId: "FLOOR#1" });
    expect(row?.checkedInAt?.toISOString()).toBe(at);
    expect(await h.db.select().from(ticketTransfers).where(eq(ticketTransfers.ticketId, base.ticket_id))).toHaveLength(1);
  });
});
