import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Consumer, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKafka, stopKafkaPid } from "../../scripts/lib/kafka";
import { startPostgres, stopPostgres } from "../../scripts/lib/postgres";
import { closeSharedProxy } from "../../workers/db";
import { outbox, searchEvents } from "../../src/db/schema";
import { indexBatchForSearch, SEARCH_CONSUMER, SEARCH_TOPICS } from "../../workers/consumers/search-indexer";
import { notifyBatch, NOTIFY_CONSUMER, NOTIFY_TOPICS } from "../../workers/consumers/notifier";
import { smtpChannel } from "../../workers/notifications/channels";
import { makeMessage } from "../../src/pipeline/catalogue";
import type { Envelope } from "../../src/pipeline/envelope";
import { outboxRow } from "../../src/pipeline/outbox-rows";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { kafkaClient, kafkaSink, runConsumer } from "../../workers/kafka/bus";
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
/** What the search consumer did with each delivery, by message id (Kafka may deliver one more than once), and the order deliveries came in. */
const handled = new Map<string, string[]>();
const arrivals: Envelope[] = [];

beforeAll(async () => {
  h = await testDb();
  kafka = kafkaClient(KAFKA_BROKERS, "pipeline-test");
  organizer = await register("organizer");
  // The search indexer as it runs in `npm run workers`: its own group, fed by Kafka; the wrapper only records.
  consumer = await runConsumer(kafka, SEARCH_CONSUMER, SEARCH_TOPICS, async (es) => {
    const outcomes = await indexBatchForSearch(h.db, es);
    es.forEach((e, i) => {
      handled.set(e.event_id, [...(handled.get(e.event_id) ?? []), outcomes[i] ?? "missing"]);
      arrivals.push(e);
    });
    return outcomes;
  }, () => {});
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

/** The outbox rows of these aggregates that the search consumer reads, in outbox order. */
async function searchRows(aggregateIds: string[]) {
  return h.db.select({ id: outbox.messageId, aggregate: outbox.aggregateId, type: outbox.eventType }).from(outbox)
    .where(and(inArray(outbox.aggregateId, aggregateIds), inArray(outbox.topic, [...SEARCH_TOPICS]))).orderBy(asc(outbox.seq));
}

/** Waits until the consumer has handled each message at least `times` times (a deterministic signal, not a sleep). */
async function handledAll(ids: string[], times = 1): Promise<void> {
  await eventually(async () => (ids.every((id) => (handled.get(id)?.length ?? 0) >= times) ? true : undefined), 90_000, `the search consumer to handle ${ids.length} messages ${times}×`);
}

/** Each message applied exactly once; any further delivery found it done. */
function expectAppliedOnce(ids: string[]): void {
  for (const id of ids) {
    const outcomes = handled.get(id) ?? [];
    expect(outcomes.filter((o) => o === "applied"), `message ${id}: ${outcomes.join(", ")}`).toHaveLength(1);
    expect(outcomes.filter((o) => o !== "applied").every((o) => o === "duplicate")).toBe(true);
  }
}

async function drained(): Promise<void> {
  await eventually(async () => ((await relayLag(h.db)).pending === 0 ? true : undefined), 60_000, "the outbox to be published");
}

/** The room's SeatsReserved for a booking reaches the Postgres outbox with the room's flush. */
async function seatsReservedRow(eventId: string): Promise<string> {
  return eventually(async () => (await h.db.select({ id: outbox.messageId }).from(outbox)
    .where(and(eq(outbox.aggregateId, eventId), eq(outbox.eventType, "SeatsReserved"))))[0]?.id, 30_000, "the room's SeatsReserved in Postgres");
}

describe("outbox → Kafka bridge → search consumer", () => {
  it("publishes every row once, keyed and in order per aggregate, and the consumer applies each once", async () => {
    const sink = await kafkaSink(kafka);
    const b = bridge(sink);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await publishedEvent(organizer, { title: `Kafka Night ${i}` }));
    await drained();
    const rows = await searchRows(ids);
    for (const id of ids) expect(rows.filter((r) => r.aggregate === id).map((r) => r.type)).toEqual(["EventCreated", "EventPublished"]);
    await handledAll(rows.map((r) => r.id));
    await b.stop();
    await sink.disconnect();
    expectAppliedOnce(rows.map((r) => r.id));
    // One aggregate's messages share a partition (the key), so they arrive in outbox order.
    for (const id of ids) {
      const sent = rows.filter((r) => r.aggregate === id).map((r) => r.id);
      const arrived = [...new Set(arrivals.map((e) => e.event_id).filter((m) => sent.includes(m)))];
      expect(arrived).toEqual(sent);
    }
    const hits = await api<{ results: { title: string }[] }>("/api/search?q=Kafka%20Night");
    expect(hits.body.results.map((r) => r.title)).toEqual(expect.arrayContaining(["Kafka Night 0", "Kafka Night 4"]));
  });

  it("two bridges at once never publish a row twice", async () => {
    // Many pending rows first: 400 messages written at once (to a counting sink only; never to Kafka).
    const start = new Date(Date.now() + 86400_000).toISOString();
    const mine = Array.from({ length: 400 }, (_, i) => {
      const eventId = crypto.randomUUID();
      return outboxRow(makeMessage("EventUpdated", eventId, {
        event_id: eventId, organizer_id: eventId, title: `Twin ${i}`, description: "", venue: "Hall", location: "", category: "concert",
        start_date: start, end_date: null, currency: "KRW", status: "published", refund_window_hours: 24, rescheduled_at: null, refund_closes_at: start,
        min_price: 1000, max_price: 1000, total_seats: 10, created_at: new Date().toISOString(), updated_at: new Date().toISOString(),
      }, { correlationId: "twin-bridges" }));
    });
    for (let i = 0; i < mine.length; i += 200) await h.db.insert(outbox).values(mine.slice(i, i + 200));
    const pending = (await h.db.select({ id: outbox.messageId }).from(outbox).where(isNull(outbox.publishedAt))).map((r) => r.id);
    expect(pending).toEqual(expect.arrayContaining(mine.map((r) => r.messageId)));

    // The race made certain: the first bridge to publish waits, holding the lease, until the other
    // has been refused it (or, were the lease broken, has started publishing the same rows too).
    const seen = new Map<string, number>();
    let holder: string | null = null;
    let release: () => void = () => {};
    const raced = new Promise<void>((r) => (release = r));
    const sink = (name: string): Sink => ({
      publish: async (rows) => {
        for (const r of rows) seen.set(r.envelope.event_id, (seen.get(r.envelope.event_id) ?? 0) + 1);
        if (holder === null) {
          holder = name;
          await raced;
        } else if (holder !== name) release();
      },
    });
    const run = async (name: string) => {
      let published = 0;
      let refused = 0;
      for (;;) {
        const r = await relayOnce(h.db, sink(name), 50);
        if (!r.leased) {
          refused++;
          if (holder !== null && holder !== name) release();
          await new Promise((res) => setTimeout(res, 5));
        } else if (r.published === 0) return { published, refused };
        else published += r.published;
      }
    };
    const [x, y] = await Promise.all([run("x"), run("y")]);
    expect(x.refused + y.refused).toBeGreaterThan(0);
    expect(x.published + y.published).toBe(seen.size);
    expect(pending.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect([...seen].filter(([, n]) => n !== 1)).toEqual([]);
    expect((await h.db.select({ id: outbox.messageId }).from(outbox).where(and(inArray(outbox.messageId, pending), isNull(outbox.publishedAt))))).toEqual([]);
  });

  it("survives the broker stopping mid-stream and coming back", async () => {
    const real = await kafkaSink(kafka);
    // Records which messages the bridge tried to send while the broker was down; the rows go to the real producer.
    let brokerDown = false;
    const triedWhileDown = new Set<string>();
    const sink: Sink = { publish: async (rows) => { if (brokerDown) for (const r of rows) triedWhileDown.add(r.envelope.event_id); await real.publish(rows); } };
    const b = bridge(sink);
    const before = [await publishedEvent(organizer, { title: "Before outage" })];
    await drained();
    // Take the broker down (the test run's broker: same dir, same port), keep writing, bring it back.
    await stopKafkaPid(KAFKA_PID);
    brokerDown = true;
    const during = [await publishedEvent(organizer, { title: "During outage 1" }), await publishedEvent(organizer, { title: "During outage 2" })];
    const duringRows = (await searchRows(during)).map((r) => r.id);
    // The bridge has tried to send them to the stopped broker (a signal, not a sleep), and marked none of them sent.
    await eventually(async () => (duringRows.every((id) => triedWhileDown.has(id)) ? true : undefined), 60_000, "the bridge to try the outage's rows");
    expect(await h.db.select({ id: outbox.messageId }).from(outbox).where(and(inArray(outbox.messageId, duringRows), sql`${outbox.publishedAt} IS NOT NULL`))).toEqual([]);
    // Detached: the broker outlives this file, as the run's broker would have (later files use it; the runner stops it).
    await startKafka({ dir: KAFKA_DIR, port: KAFKA_PORT, detached: true });
    brokerDown = false;
    await drained();
    const all = (await searchRows([...before, ...during])).map((r) => r.id);
    await handledAll(all);
    await b.stop();
    await real.disconnect();
    expectAppliedOnce(all);
    const indexed = await h.db.select({ id: searchEvents.eventId }).from(searchEvents).where(inArray(searchEvents.eventId, [...before, ...during]));
    expect(indexed).toHaveLength(3);
  });

  it("republishes a batch after a crash between publish and mark; the consumer applies it once", async () => {
    // A real sale's inventory message: the search model counts it as a delta, so applying it twice would show.
    const eventId = await publishedEvent(organizer, { title: "Crash between publish and mark" });
    const fan = await register();
    expect((await api("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-1", "A-1-2", "A-1-3"] } })).status).toBe(201);
    const reserved = await seatsReservedRow(eventId);
    const real = await kafkaSink(kafka);
    // Failure injection: the first batch reaches Kafka, then the bridge "dies" before marking it.
    let crashed = false;
    const dying: Sink = { publish: async (rows) => { await real.publish(rows); if (!crashed) { crashed = true; throw new Error("injected crash after publish"); } } };
    await expect(relayOnce(h.db, dying)).rejects.toThrow("injected");
    expect((await h.db.select({ at: outbox.publishedAt }).from(outbox).where(eq(outbox.messageId, reserved)))[0]?.at).toBeNull();
    // The next round publishes the same rows again (at-least-once) and marks them: Kafka holds every one twice.
    while ((await relayOnce(h.db, dying)).published > 0) { /* drain */ }
    await real.disconnect();
    const ids = (await searchRows([eventId])).map((r) => r.id);
    expect(ids).toContain(reserved);
    await handledAll(ids, 2);
    expectAppliedOnce(ids);
    // Three seats taken once: -3, not -6.
    const [row] = await h.db.select({ delta: searchEvents.seatsDelta }).from(searchEvents).where(eq(searchEvents.eventId, eventId));
    expect(row?.delta).toBe(-3);
  });

  it("feeds the notifier through Kafka: one email per message, even when Kafka delivers it twice", async () => {
    const received: ParsedMail[] = [];
    const smtp = new SMTPServer({
      authOptional: true, disabledCommands: ["STARTTLS", "AUTH"], logger: false,
      onData(stream, _session, done) { simpleParser(stream).then((m) => { received.push(m); done(); }, done); },
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
    const channels = { email: smtpChannel(`smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`), sms: null };
    const outcomes = new Map<string, string[]>();
    const notifier = await runConsumer(kafka, NOTIFY_CONSUMER, NOTIFY_TOPICS, async (es) => {
      const results = await notifyBatch(h.db, channels, es);
      es.forEach((e, i) => outcomes.set(e.event_id, [...(outcomes.get(e.event_id) ?? []), results[i] ?? "missing"]));
      return results;
    }, () => {});
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
      // Both copies handled (the SMTP server has the mail before the notifier hears back): then count.
      await eventually(async () => ((outcomes.get(m.envelope.event_id)?.length ?? 0) >= 2 ? true : undefined), 60_000, "both deliveries to reach the notifier");
      const seen = outcomes.get(m.envelope.event_id) ?? [];
      expect(seen[0]).toBe("sent");
      expect(seen.slice(1).every((o) => o === "duplicate")).toBe(true);
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
    // The bridge has hit the outage (a signal, not a sleep) before Postgres comes back.
    await eventually(async () => (b.errors.length > 0 ? true : undefined), 60_000, "the bridge to fail against the stopped Postgres");
    startPostgres({ dir: PG_DIR, port: PG_PORT });
    pgDown = false;
    await drained();
    const rows = (await searchRows([id])).map((r) => r.id);
    await handledAll(rows);
    expectAppliedOnce(rows);
    const unpublished = await h.db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(isNull(outbox.publishedAt));
    expect(unpublished[0]?.n).toBe(0);
    await b.stop();
    await sink.disconnect();
  });
});
