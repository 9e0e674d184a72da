import { inArray, isNull, sql } from "drizzle-orm";
import type { Consumer, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKafka, stopKafkaPid } from "../../scripts/lib/kafka";
import { startPostgres, stopPostgres } from "../../scripts/lib/postgres";
import { closeSharedProxy } from "../../scripts/lib/node-db";
import { outbox, processedMessages, searchEvents } from "../../src/db/schema";
import { indexForSearch, SEARCH_CONSUMER, SEARCH_TOPICS } from "../../workers/consumers/search-indexer";
import { notify, NOTIFY_CONSUMER, NOTIFY_TOPICS } from "../../workers/consumers/notifier";
import { smtpChannel } from "../../workers/notifications/channels";
import { makeMessage } from "../../src/pipeline/catalogue";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { kafkaClient, kafkaSink, runConsumer } from "../../workers/kafka-bus";
import { relayLag, relayOnce, runRelay, type Sink } from "../../workers/outbox-relay";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { KAFKA_BROKERS, KAFKA_DIR, KAFKA_PID, KAFKA_PORT, PG_DIR, PG_PORT } from "../support/env";

// The bridge and a consumer against the real broker that the test run started, with faults:
// the broker stopped mid-stream, the bridge dying between publish and mark, Postgres down.
let h: Awaited<ReturnType<typeof testDb>>;
let kafka: Kafka;
let organizer: Session;
let consumer: Consumer;
let pgDown = false;

beforeAll(async () => {
  h = await testDb();
  kafka = kafkaClient(KAFKA_BROKERS, "pipeline-test");
  organizer = await register("organizer");
  // The search indexer as it runs in `npm run workers`: its own group, fed by Kafka.
  consumer = await runConsumer(kafka, SEARCH_CONSUMER, SEARCH_TOPICS, (e) => indexForSearch(h.db, e), () => {});
});
/** Teardown must not hang the run: a client that lost its broker may never finish disconnecting. */
const atMost = (p: Promise<unknown>, ms = 10_000) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
afterAll(async () => {
  if (pgDown) startPostgres({ dir: PG_DIR, port: PG_PORT });
  await atMost(consumer.disconnect());
  await atMost(h.close());
  await atMost(closeSharedProxy());
}, 60_000);

/** Runs the bridge in the background until the returned stop is called. */
function bridge(sink: Sink) {
  const controller = new AbortController();
  const errors: unknown[] = [];
  const running = runRelay(h.db, sink, { signal: controller.signal, idleMs: 50, onError: (e) => errors.push(e) });
  return { errors, stop: async () => { controller.abort(); await running; } };
}

/** Event ids whose EventCreated the search consumer has applied exactly once, via Kafka. */
async function indexed(eventIds: string[]): Promise<number> {
  const rows = await h.db.select({ id: searchEvents.eventId }).from(searchEvents).where(inArray(searchEvents.eventId, eventIds));
  return rows.length;
}

async function drained(): Promise<void> {
  await eventually(async () => ((await relayLag(h.db)).pending === 0 ? true : undefined), 60_000, "the outbox to be published");
}

describe("outbox → Kafka bridge → search consumer", () => {
  it("publishes every row once, keyed and in order per aggregate, and the consumer applies each once", async () => {
    const sink = await kafkaSink(kafka);
    const b = bridge(sink);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await publishedEvent(organizer, { title: `Kafka Night ${i}` }));
    await drained();
    await eventually(async () => ((await indexed(ids)) === ids.length ? true : undefined), 60_000, "the indexer to see every event");
    await b.stop();
    await sink.disconnect();
    const hits = await api<{ results: { title: string }[] }>("/api/search?q=Kafka%20Night");
    expect(hits.body.results.map((r) => r.title)).toEqual(expect.arrayContaining(["Kafka Night 0", "Kafka Night 4"]));
  });

  it("two bridges at once never publish a row twice", async () => {
    const seen = new Map<string, number>();
    const counting: Sink = { publish: async (rows) => { for (const r of rows) seen.set(r.envelope.event_id, (seen.get(r.envelope.event_id) ?? 0) + 1); } };
    for (let i = 0; i < 3; i++) await publishedEvent(organizer, { title: `Twin ${i}` });
    const pending = (await relayLag(h.db)).pending;
    const [x, y] = [bridge(counting), bridge(counting)];
    await drained();
    await Promise.all([x.stop(), y.stop()]);
    expect(seen.size).toBeGreaterThanOrEqual(pending);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it("survives the broker stopping mid-stream and coming back", async () => {
    const sink = await kafkaSink(kafka);
    const b = bridge(sink);
    const before = [await publishedEvent(organizer, { title: "Before outage" })];
    await drained();
    // Take the broker down (the test run's broker: same dir, same port), keep writing, bring it back.
    await stopKafkaPid(KAFKA_PID);
    const during = [await publishedEvent(organizer, { title: "During outage 1" }), await publishedEvent(organizer, { title: "During outage 2" })];
    await new Promise((r) => setTimeout(r, 1500));
    expect((await relayLag(h.db)).pending).toBeGreaterThan(0);
    // Detached: the broker outlives this file, as the run's broker would have (later files use it; the runner stops it).
    await startKafka({ dir: KAFKA_DIR, port: KAFKA_PORT, detached: true });
    await drained();
    const all = [...before, ...during];
    await eventually(async () => ((await indexed(all)) === all.length ? true : undefined), 90_000, "the indexer to catch up after the outage");
    await b.stop();
    await sink.disconnect();
  });

  it("republishes a batch after a crash between publish and mark; the consumer applies it once", async () => {
    const real = await kafkaSink(kafka);
    // Failure injection: the first batch reaches Kafka, then the bridge "dies" before marking it.
    let crashed = false;
    const dying: Sink = { publish: async (rows) => { await real.publish(rows); if (!crashed) { crashed = true; throw new Error("injected crash after publish"); } } };
    const ids = [await publishedEvent(organizer, { title: "Crash A" }), await publishedEvent(organizer, { title: "Crash B" })];
    await expect(relayOnce(h.db, dying)).rejects.toThrow("injected");
    expect((await relayLag(h.db)).pending).toBeGreaterThan(0);
    // The next round publishes the same rows again (at-least-once) and marks them.
    while ((await relayOnce(h.db, dying)).published > 0) { /* drain */ }
    await eventually(async () => ((await indexed(ids)) === ids.length ? true : undefined), 60_000, "the indexer to see both events");
    const createdIds = (await h.db.select({ id: outbox.messageId }).from(outbox)
      .where(sql`${outbox.aggregateId} IN (${sql.join(ids.map((i) => sql`${i}`), sql`, `)}) AND ${outbox.eventType} = 'EventCreated'`)).map((r) => r.id);
    await new Promise((r) => setTimeout(r, 1000));
    const processed = await h.db.select().from(processedMessages).where(inArray(processedMessages.messageId, createdIds));
    expect(processed.filter((p) => p.consumer === SEARCH_CONSUMER)).toHaveLength(2);
    await real.disconnect();
  });

  it("feeds the notifier through Kafka: one email per message, even when Kafka delivers it twice", async () => {
    const received: ParsedMail[] = [];
    const smtp = new SMTPServer({
      authOptional: true, disabledCommands: ["STARTTLS", "AUTH"], logger: false,
      onData(stream, _session, done) { simpleParser(stream).then((m) => { received.push(m); done(); }, done); },
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
    const channels = { email: smtpChannel(`smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`), sms: null };
    const notifier = await runConsumer(kafka, NOTIFY_CONSUMER, NOTIFY_TOPICS, (e) => notify(h.db, channels, e), () => {});
    try {
      const fan = await register();
      const eventId = await publishedEvent(organizer, { title: "Notify over Kafka" });
      const bookingId = crypto.randomUUID();
      const m = makeMessage("BookingConfirmed", bookingId, {
        booking_id: bookingId, event_id: eventId, user_id: fan.userId, status: "confirmed", seats: ["A-1-1"], total_amount: 150000, currency: "KRW",
        reason: "payment_succeeded", tickets: [],
      }, { correlationId: "kafka-test" });
      // At-least-once made visible: the same message published twice.
      const sink = await kafkaSink(kafka);
      await sink.publish([{ topic: m.topic, key: m.key, envelope: m.envelope }, { topic: m.topic, key: m.key, envelope: m.envelope }]);
      await sink.disconnect();
      await eventually(async () => (received.some((r) => r.subject?.includes("Notify over Kafka")) ? true : undefined), 60_000, "the email via Kafka");
      await new Promise((r) => setTimeout(r, 1500));
      expect(received.filter((r) => r.subject?.includes("Notify over Kafka"))).toHaveLength(1);
    } finally {
      await atMost(notifier.disconnect());
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });

  it("waits out a Postgres outage and resumes where it left off", async () => {
    const sink = await kafkaSink(kafka);
    const b = bridge(sink);
    const id = await publishedEvent(organizer, { title: "Across a Postgres restart" });
    stopPostgres(PG_DIR);
    pgDown = true;
    await new Promise((r) => setTimeout(r, 1500));
    startPostgres({ dir: PG_DIR, port: PG_PORT });
    pgDown = false;
    await drained();
    await eventually(async () => ((await indexed([id])) === 1 ? true : undefined), 60_000, "the indexer after the outage");
    expect(b.errors.length).toBeGreaterThan(0);
    const unpublished = await h.db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(isNull(outbox.publishedAt));
    expect(unpublished[0]!.n).toBe(0);
    await b.stop();
    await sink.disconnect();
  });
});
