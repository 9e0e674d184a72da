/**
 * The embedded default's bus (workers/in-process.ts): the outbox relay feeding the consumers in
 * this process must behave as the Kafka path does: each consumer commits its own work (the
 * notifier claims a notification before sending it), so a relay that crashes after the consumers
 * ran, and publishes the batch again, never sends anything twice. Runs on the embedded default,
 * with a real SMTP server; crashes are injected into the sink.
 */
import { simpleParser, type ParsedMail } from "mailparser";
import type { AddressInfo } from "node:net";
import { inArray, isNull, and } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedProxy, openNodeDb } from "../../workers/db";
import { outboxRow } from "../../src/pipeline/outbox-rows";
import { outbox } from "../../src/db/schema";
import { makeMessage } from "../../src/pipeline/catalogue";
import type { OutboxMessage } from "../../src/pipeline/envelope";
import { inProcessSink } from "../../workers/in-process";
import { smtpChannel, type Channels } from "../../workers/notifications/channels";
import { relayOnce, runRelay, type Sink } from "../../workers/outbox-relay";
import { eventually, publishedEvent, register, type Session } from "../support/api";
import { EMBEDDED_BASE_URL, EMBEDDED_DATABASE_URL } from "../support/env";

const mail: ParsedMail[] = [];
let smtp: SMTPServer;
let channels: Channels;
let h: Awaited<ReturnType<typeof openNodeDb>>;
let organizer: Session;
let eventId: string;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS", "AUTH"], logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => { mail.push(m); done(); }, done);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  channels = { email: smtpChannel(`smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`), sms: null };
  h = await openNodeDb(EMBEDDED_DATABASE_URL);
  organizer = await register("organizer", {}, EMBEDDED_BASE_URL);
  eventId = await publishedEvent(organizer, { title: "In-process bus probe" }, EMBEDDED_BASE_URL);
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await h.close();
  await closeSharedProxy();
});

function confirmed(fan: Session): OutboxMessage {
  const bookingId = crypto.randomUUID();
  return makeMessage("BookingConfirmed", bookingId, {
    booking_id: bookingId, event_id: eventId, user_id: fan.userId, status: "confirmed", seats: ["A-1-1"], total_amount: 150000, currency: "KRW",
    reason: "payment_succeeded", tickets: [],
  }, { correlationId: "test" });
}

const bookingOf = (m: OutboxMessage) => (m.envelope.data as { booking_id: string }).booking_id;
/** Confirmation emails that name this booking. */
const mailsFor = (bookingId: string) => mail.filter((m) => m.text?.includes(bookingId));

/** The in-process sink with a crash injected after the consumers ran, while `crashes(rows)` says so. */
function crashingSink(db: typeof h.db, crashes: (rows: Parameters<Sink["publish"]>[0]) => boolean): Sink {
  const real = inProcessSink(db, channels);
  return {
    publish: async (...args: Parameters<Sink["publish"]>) => {
      await real.publish(...args);
      if (crashes(args[0])) throw new Error("injected crash after the consumers ran, before the relay committed");
    },
  };
}

async function unpublished(ids: string[]): Promise<number> {
  const rows = await h.db.select({ id: outbox.messageId }).from(outbox).where(and(inArray(outbox.messageId, ids), isNull(outbox.publishedAt)));
  return rows.length;
}

describe("in-process bus (relay → consumers) on the embedded default", () => {
  it("a relay crash after the consumers ran, then a retry, sends the email once", async () => {
    const fan = await register("user", {}, EMBEDDED_BASE_URL);
    const m = confirmed(fan);
    await h.db.insert(outbox).values(outboxRow(m));
    let crashed = false;
    const sink = crashingSink(h.db, (rows) => {
      if (crashed || !rows.some((r) => r.envelope.event_id === m.envelope.event_id)) return false;
      crashed = true;
      return true;
    });
    // Relay until our row is published: the first batch holding it crashes and rolls back.
    await eventually(async () => {
      await relayOnce(h.db, sink).catch((e: unknown) => { if (!String(e).includes("injected")) throw e; });
      return (await unpublished([m.envelope.event_id])) === 0 ? true : undefined;
    }, 60_000, "the message to be relayed");
    expect(crashed).toBe(true);
    expect(mailsFor(bookingOf(m))).toHaveLength(1);
  });

  it("three relays at once over 60 messages, crashing now and then: every email sent exactly once", async () => {
    const fans = await Promise.all(Array.from({ length: 6 }, () => register("user", {}, EMBEDDED_BASE_URL)));
    const messages = Array.from({ length: 60 }, (_, i) => confirmed(fans[i % fans.length]!));
    const ids = messages.map((m) => m.envelope.event_id);
    const mine = new Set(ids);
    const controller = new AbortController();
    const relays = await Promise.all(Array.from({ length: 3 }, () => openNodeDb(EMBEDDED_DATABASE_URL, 3)));
    let batches = 0;
    let crashes = 0;
    const running = relays.map((r) => runRelay(r.db, crashingSink(r.db, (rows) => {
      // Injected: every third batch that carries these messages, from the first, fails after consuming.
      if (!rows.some((x) => mine.has(x.envelope.event_id)) || batches++ % 3 !== 0) return false;
      crashes++;
      return true;
    }), { signal: controller.signal, idleMs: 20 }));
    try {
      // Written while the relays run, a few at a time, as rooms and the Worker would.
      for (let i = 0; i < messages.length; i += 6) {
        await Promise.all(messages.slice(i, i + 6).map((m) => h.db.insert(outbox).values(outboxRow(m))));
      }
      await eventually(async () => ((await unpublished(ids)) === 0 ? true : undefined), 90_000, "every message to be relayed");
    } finally {
      controller.abort();
      await Promise.all(running);
      await Promise.all(relays.map((r) => r.close()));
    }
    const counts = messages.map((m) => mailsFor(bookingOf(m)).length);
    expect(counts.filter((n) => n !== 1)).toEqual([]);
    expect(crashes).toBeGreaterThan(0);
  });
});
