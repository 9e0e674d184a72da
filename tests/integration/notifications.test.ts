import http from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedProxy } from "../../scripts/lib/node-db";
import { makeMessage } from "../../src/domain/envelope";
import { notify, sendReminders } from "../../workers/consumers/notifier";
import { smtpChannel, webhookSmsChannel, type Channels } from "../../workers/notifications/channels";
import { api, eventually, inDays, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";

// A real SMTP server (smtp-server) and a real HTTP endpoint standing in for the SMS provider;
// what arrives is parsed and counted.
const mail: ParsedMail[] = [];
const sms: { to: string; text: string }[] = [];
let smtp: SMTPServer;
let smsServer: http.Server;
let channels: Channels;
let h: Awaited<ReturnType<typeof testDb>>;
let organizer: Session;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS", "AUTH"], logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => { mail.push(m); done(); }, done);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  smsServer = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => { sms.push(JSON.parse(body) as { to: string; text: string }); res.writeHead(202).end(); });
  });
  await new Promise<void>((r) => smsServer.listen(0, "127.0.0.1", () => r()));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  channels = { email: smtpChannel(`smtp://127.0.0.1:${smtpPort}`), sms: webhookSmsChannel(`http://127.0.0.1:${(smsServer.address() as AddressInfo).port}/sms`) };
  h = await testDb();
  organizer = await register("organizer");
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  smsServer.close();
  await h.close();
  await closeSharedProxy();
});

const confirmed = (who: Session, eventId: string, seats: string[]) => {
  const bookingId = crypto.randomUUID();
  return makeMessage("BookingConfirmed", bookingId, {
    booking_id: bookingId, event_id: eventId, user_id: who.userId, status: "confirmed", seats, total_amount: 150000 * seats.length, currency: "KRW",
  }, { correlationId: "test" });
};
const to = (who: Session) => mail.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === who.email);

describe("notifier (real SMTP, SMS webhook)", () => {
  it("emails a booking confirmation once, in Korean, as text and HTML, however often it is delivered", async () => {
    const fan = await register("user", { phone_number: "+82 10-5555-0001" });
    const eventId = await publishedEvent(organizer, { title: "아이유 콘서트 2027 — 서울" });
    const m = confirmed(fan, eventId, ["A-1-1", "A-1-2"]);
    // Two deliveries at once: each channel is claimed by exactly one of them.
    const results = await Promise.all([notify(h.db, channels, m.envelope), notify(h.db, channels, m.envelope)]);
    expect(results).toContain("sent");
    expect(await notify(h.db, channels, m.envelope)).toBe("duplicate");
    const got = await eventually(async () => (to(fan).length ? to(fan) : undefined), 10_000, "the email");
    await new Promise((r) => setTimeout(r, 300));
    expect(to(fan)).toHaveLength(1);
    expect(got[0]!.subject).toBe("[Ticketing Pro] 예매가 확정되었습니다: 아이유 콘서트 2027 — 서울");
    expect(got[0]!.text).toContain("A-1-1, A-1-2");
    expect(got[0]!.html).toContain("<p>좌석: A-1-1, A-1-2</p>");
    expect(sms.filter((s) => s.to === "+82 10-5555-0001")).toHaveLength(1);
  });

  it("speaks English to English-speaking accounts, and takes messages out of order", async () => {
    const fan = await register("user", { locale: "en" });
    const eventId = await publishedEvent(organizer, { title: "Seoul Philharmonic: Mahler 5" });
    const c = confirmed(fan, eventId, ["A-1-3"]);
    const d = c.envelope.data as { booking_id: string };
    const paid = makeMessage("PaymentSucceeded", d.booking_id, {
      booking_id: d.booking_id, event_id: eventId, user_id: fan.userId, payment_intent_id: "pi_x", amount: 150000, currency: "KRW", outcome: "confirmed",
    }, { correlationId: "test" });
    // The payment message first, then the confirmation, then both again.
    for (const e of [paid.envelope, c.envelope, paid.envelope, c.envelope]) await notify(h.db, channels, e);
    await eventually(async () => (to(fan).length === 2 ? true : undefined), 10_000, "two emails");
    expect(to(fan).map((m) => m.subject).sort()).toEqual([
      "[Ticketing Pro] Booking confirmed: Seoul Philharmonic: Mahler 5", "[Ticketing Pro] Payment received (₩150,000)",
    ]);
  });

  it("sends D-7 and D-1 reminders for confirmed bookings once each", async () => {
    const fan = await register();
    const soon = await publishedEvent(organizer, { title: "K리그1: FC서울 vs 울산 HD", start_date: inDays(3), end_date: null });
    const b = await api<{ booking_id: string; payment: { payment_intent_id: string; client_secret: string } }>("/api/bookings", { token: fan.access, body: { event_id: soon, seat_ids: ["A-1-1"] } });
    await api(`/api/payment/simulator/${b.body.payment.payment_intent_id}/complete`, { body: { client_secret: b.body.payment.client_secret } });
    await eventually(async () => ((await api<{ status: string }>(`/api/bookings/${b.body.booking_id}`, { token: fan.access })).body.status === "confirmed" ? true : undefined), 20_000, "confirmed in Postgres");
    await sendReminders(h.db, channels);
    await sendReminders(h.db, channels);
    await eventually(async () => (to(fan).length ? true : undefined), 10_000, "the D-7 reminder");
    expect(to(fan).map((m) => m.subject)).toEqual(["[Ticketing Pro] D-7: K리그1: FC서울 vs 울산 HD"]);
    // Two and a half days later, the D-1 one (and still only one D-7).
    await sendReminders(h.db, channels, new Date(Date.now() + 2.5 * 86400_000));
    await eventually(async () => (to(fan).length === 2 ? true : undefined), 10_000, "the D-1 reminder");
    expect(to(fan).map((m) => m.subject).sort()).toEqual(["[Ticketing Pro] D-1: K리그1: FC서울 vs 울산 HD", "[Ticketing Pro] D-7: K리그1: FC서울 vs 울산 HD"]);
  });
});
