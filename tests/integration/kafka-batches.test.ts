import { and, eq, inArray, sql } from "drizzle-orm";
import type { Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadLetters, outbox, processedMessages, searchEvents } from "../../src/db/schema";
import { makeMessage, type PayloadInput } from "../../src/pipeline/catalogue";
import type { Envelope, OutboxMessage } from "../../src/pipeline/envelope";
import { outboxRow } from "../../src/pipeline/outbox-rows";
import { indexBatchForSearch, SEARCH_CONSUMER } from "../../workers/consumers/search-indexer";
import { closeSharedProxy } from "../../workers/db";
import { batchHandler, inProcessSink } from "../../workers/in-process";
import { kafkaClient, kafkaSink, runConsumer } from "../../workers/kafka/bus";
import { relayOnce } from "../../workers/outbox-relay";
import { eventually } from "../support/api";
import { countingDb } from "../support/counting-db";
import { testDb } from "../support/db";
import { KAFKA_BROKERS } from "../support/env";

// The consumers take Kafka's batches (eachBatch) and apply each with set-based SQL; a poison
// message is set aside instead of blocking its partition. Each test has a topic of its own (one
// partition, so the order is the publish order), on the broker the test run started.
let h: Awaited<ReturnType<typeof testDb>>;
let kafka: Kafka;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  h = await testDb();
  kafka = kafkaClient(KAFKA_BROKERS, "batches-test");
});
const atMost = (p: Promise<unknown>, ms = 10_000) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
afterAll(async () => {
  for (const stop of stops.reverse()) await atMost(stop());
  await atMost(h.close());
  await atMost(closeSharedProxy());
}, 60_000);

async function topicOfItsOwn(): Promise<string> {
  const topic = `batches-${crypto.randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  await admin.disconnect();
  return topic;
}

async function publish(topic: string, messages: OutboxMessage[]): Promise<void> {
  const sink = await kafkaSink(kafka);
  await sink.publish(messages.map((m) => ({ topic, key: m.key, envelope: m.envelope })));
  await sink.disconnect();
}

const start = new Date(Date.now() + 86400_000).toISOString();
/** An event's snapshot as of `updatedAt` (ms); `totalSeats` beyond Postgres's integer makes it a poison message. */
function eventUpdated(eventId: string, title: string, updatedAt: number, totalSeats = 100): OutboxMessage {
  const data: PayloadInput<"EventUpdated"> = {
    event_id: eventId, organizer_id: eventId, title, description: "", venue: "Batch Hall", location: "", category: "concert",
    start_date: start, end_date: null, currency: "KRW", status: "published", refund_window_hours: 24, rescheduled_at: null, refund_closes_at: start,
    min_price: 1000, max_price: 1000, total_seats: totalSeats, created_at: new Date(0).toISOString(), updated_at: new Date(updatedAt).toISOString(),
  };
  return makeMessage("EventUpdated", eventId, data, { correlationId: "batches-test" });
}
const seatTaken = (eventId: string, seat: number): OutboxMessage =>
  makeMessage("SeatsReserved", eventId, { event_id: eventId, booking_id: crypto.randomUUID(), seat_ids: [`A-1-${seat}`], area: null, quantity: null }, { correlationId: "batches-test" });

async function processed(ids: string[]): Promise<number> {
  const [r] = await h.db.select({ n: sql<number>`count(*)::int` }).from(processedMessages)
    .where(and(eq(processedMessages.consumer, SEARCH_CONSUMER), inArray(processedMessages.messageId, ids)));
  return r?.n ?? 0;
}
const searchRow = async (eventId: string) => (await h.db.select().from(searchEvents).where(eq(searchEvents.eventId, eventId)))[0];

describe("Kafka consumers in batches", () => {
  it("applies what Kafka fetches as batches, one statement each, every message once whatever the order and repeats", async () => {
    const topic = await topicOfItsOwn();
    const eventId = crypto.randomUUID();
    const t0 = Date.now();
    // 700 seats taken and 100 versions of the event, the newest in the middle; then the first 100 again (at-least-once).
    const versions = Array.from({ length: 100 }, (_, i) => eventUpdated(eventId, `Batch v${i}`, t0 + i * 1000));
    const reordered = [...versions.slice(50), ...versions.slice(0, 50)].reverse();
    const taken = Array.from({ length: 700 }, (_, i) => seatTaken(eventId, i + 1));
    const all = taken.flatMap((m, i) => (i % 7 === 0 ? [m, reordered[i / 7]!] : [m]));
    await publish(topic, [...all, ...all.slice(0, 100)]);

    const counting = countingDb(h.pool);
    const handle = batchHandler(counting.db, { name: SEARCH_CONSUMER, topics: [topic], handle: indexBatchForSearch });
    const outcomes = new Map<string, string[]>();
    let batches = 0;
    let delivered = 0;
    const consumer = await runConsumer(kafka, `batches-${crypto.randomUUID()}`, [topic], async (es: Envelope[]) => {
      batches++;
      delivered += es.length;
      const results = await handle(es);
      es.forEach((e, i) => outcomes.set(e.event_id, [...(outcomes.get(e.event_id) ?? []), results[i] ?? "missing"]));
      return results;
    }, () => {});
    stops.push(() => consumer.disconnect());
    await eventually(async () => (delivered >= all.length + 100 ? true : undefined), 90_000, "every delivery to reach the consumer");
    await consumer.disconnect();

    expect(await processed(all.map((m) => m.envelope.event_id))).toBe(800);
    for (const m of all) expect((outcomes.get(m.envelope.event_id) ?? []).filter((o) => o === "applied"), m.envelope.event_id).toHaveLength(1);
    const row = await searchRow(eventId);
    expect(row?.seatsDelta).toBe(-700);
    expect(row?.title).toBe("Batch v99");
    // Batches, not messages: 900 deliveries in a handful of handler calls, each one statement.
    expect(batches).toBeLessThanOrEqual(30);
    expect(counting.statements()).toBe(batches);
  });

  it("sets a poison message aside, applies the rest, and moves on past it", async () => {
    const topic = await topicOfItsOwn();
    const t0 = Date.now();
    const good = Array.from({ length: 10 }, (_, i) => eventUpdated(crypto.randomUUID(), `Around the poison ${i}`, t0));
    // total_seats beyond Postgres's integer: the consumer's statement fails for it, every time.
    const poison = eventUpdated(crypto.randomUUID(), "Poison", t0, 3_000_000_000);
    await publish(topic, [...good.slice(0, 5), poison, ...good.slice(5)]);
    const group = `batches-${crypto.randomUUID()}`;
    const handle = batchHandler(h.db, { name: SEARCH_CONSUMER, topics: [topic], handle: indexBatchForSearch });
    const consumer = await runConsumer(kafka, group, [topic], handle, () => {});
    stops.push(() => consumer.disconnect());
    const goodIds = good.map((m) => m.envelope.event_id);
    await eventually(async () => ((await processed(goodIds)) === 10 ? true : undefined), 90_000, "the good messages around the poison to be applied");
    const [dead] = await h.db.select().from(deadLetters).where(and(eq(deadLetters.consumer, SEARCH_CONSUMER), eq(deadLetters.messageId, poison.envelope.event_id)));
    expect(dead?.error).toMatch(/out of range/);
    expect(await processed([poison.envelope.event_id])).toBe(0);
    // The partition is not blocked: a later message is applied, and the group's offset passes everything.
    const later = eventUpdated(crypto.randomUUID(), "After the poison", t0);
    await publish(topic, [later]);
    await eventually(async () => ((await processed([later.envelope.event_id])) === 1 ? true : undefined), 90_000, "a message after the poison to be applied");
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually(async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return offsets?.partitions[0]?.offset === "12" ? true : undefined;
      }, 30_000, "the group's committed offset to pass the poison");
    } finally {
      await admin.disconnect();
    }
    await consumer.disconnect();
  });

  it("the in-process bus sets a poison message aside too, instead of failing its relay batch forever", async () => {
    const t0 = Date.now();
    const good = [eventUpdated(crypto.randomUUID(), "In-process before", t0), eventUpdated(crypto.randomUUID(), "In-process after", t0)];
    const poison = eventUpdated(crypto.randomUUID(), "In-process poison", t0, 3_000_000_000);
    await h.db.insert(outbox).values([good[0]!, poison, good[1]!].map(outboxRow));
    const sink = inProcessSink(h.db, { email: null, sms: null });
    await eventually(async () => {
      const r = await relayOnce(h.db, sink);
      return r.leased && r.published === 0 ? true : undefined;
    }, 60_000, "the relay to drain the outbox");
    expect(await processed(good.map((m) => m.envelope.event_id))).toBe(2);
    const dead = await h.db.select({ id: deadLetters.messageId }).from(deadLetters).where(eq(deadLetters.messageId, poison.envelope.event_id));
    expect(dead).toHaveLength(1);
  });

  it("applies each message once when many batches overlap at once", async () => {
    const eventId = crypto.randomUUID();
    const t0 = Date.now();
    const messages = [...Array.from({ length: 120 }, (_, i) => seatTaken(eventId, i + 1)), ...Array.from({ length: 20 }, (_, i) => eventUpdated(eventId, `Overlap v${i}`, t0 + i * 1000))];
    const envelopes = messages.map((m) => m.envelope);
    // 12 consumers at once (a rebalance, a restarted worker), each with an overlapping slice, some reversed.
    const slices = Array.from({ length: 12 }, (_, i) => {
      const slice = envelopes.slice((i * 17) % 100, ((i * 17) % 100) + 60);
      return i % 3 === 0 ? envelopes : i % 2 ? slice.reverse() : slice;
    });
    const results = await Promise.all(slices.map((s) => indexBatchForSearch(h.db, s)));
    expect(results.flat().filter((o) => o === "applied")).toHaveLength(messages.length);
    const row = await searchRow(eventId);
    expect(row?.seatsDelta).toBe(-120);
    expect(row?.title).toBe("Overlap v19");
  });
});
