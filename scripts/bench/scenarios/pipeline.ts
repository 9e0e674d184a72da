/**
 * Outbox → Kafka → consumer against a local KRaft broker: a burst of event messages is written to
 * the Postgres outbox at once, one bridge publishes it, and the search consumer (its own group)
 * applies it. Reports the bridge's rate and each message's insert-to-applied lag. Then the
 * consumer alone: with it stopped, three bursts' worth is published, and the consumer, started
 * again, works through that backlog (its rate, from its first batch to the last applied). Runs after the
 * HTTP scenarios, with its own broker, so the JVM never competes with them for the two cores.
 */
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { outboxRow } from "../../../src/pipeline/outbox-rows";
import { outbox } from "../../../src/db/schema";
import { makeMessage } from "../../../src/pipeline/catalogue";
import { indexBatchForSearch, SEARCH_CONSUMER, SEARCH_TOPICS } from "../../../workers/consumers/search-indexer";
import { batchHandler } from "../../../workers/in-process";
import { openNodeDb } from "../../../workers/db";
import { kafkaClient, kafkaSink, runConsumer } from "../../../workers/kafka/bus";
import { relayLag, runRelay, type Sink } from "../../../workers/outbox-relay";
import { round } from "../../lib/bench-stats";
import { startStack } from "../../lib/stack";
import { CATCH_UP_TIMEOUT_MS, STATE_DIR, type BenchConfig } from "../config";
import { freePort } from "../ports";

export interface PipelineResult {
  messages: number;
  /** Outbox rows published to Kafka per second by one bridge (from the first claim to an empty outbox). */
  bridge_events_per_s: number;
  /** Outbox insert → applied by the search consumer (over Kafka), for a burst of `messages` rows. */
  end_to_end_lag_ms: { p50: number; p95: number; p99: number };
  /** The search consumer alone over a published backlog of `backlog` messages: messages applied per second, in how many batches. */
  consumer: { backlog: number; msgs_per_s: number; batches: number };
}

export async function benchPipeline(databaseUrl: string, config: BenchConfig, log: (msg: string) => void): Promise<PipelineResult> {
  const kafkaPort = await freePort(59190, 59199);
  log(`pipeline: starting Kafka (KRaft) on ${kafkaPort}`);
  const stack = await startStack({ kafka: { dir: `${STATE_DIR}/kafka`, port: kafkaPort, controllerPort: kafkaPort + 100 }, log });
  const stops: (() => Promise<void>)[] = [() => stack.stop()];
  try {
    if (!stack.kafka) throw new Error("pipeline: the stack started no broker");
    const kafka = kafkaClient(stack.kafka.brokers, "bench");
    const { db, close } = await openNodeDb(databaseUrl, 6);
    stops.push(() => close());
    // The search consumer as `npm run workers` runs it (batches, poison set aside), timed by a wrapper.
    const search = batchHandler(db, { name: SEARCH_CONSUMER, topics: SEARCH_TOPICS, handle: indexBatchForSearch });
    const timing = { first: 0, last: 0, batches: 0 };
    const timed = async (es: Parameters<typeof search>[0]) => {
      timing.first ||= performance.now();
      const outcomes = await search(es);
      timing.last = performance.now();
      timing.batches++;
      return outcomes;
    };
    const group = `${SEARCH_CONSUMER}-bench`;
    let consumer = await runConsumer(kafka, group, SEARCH_TOPICS, timed, () => {});
    stops.push(() => consumer.disconnect());
    const ids = await writeBurst(db, config.pipelineMessages);

    const sink = await kafkaSink(kafka);
    stops.push(() => sink.disconnect());
    const t0 = performance.now();
    await publishAll(db, sink);
    const bridgeMs = performance.now() - t0;
    await waitApplied(db, ids);

    // The consumer alone: stopped while a backlog is published, then started again on it.
    await consumer.disconnect();
    const backlog = await writeBurst(db, 3 * config.pipelineMessages);
    await publishAll(db, sink);
    Object.assign(timing, { first: 0, last: 0, batches: 0 });
    consumer = await runConsumer(kafka, group, SEARCH_TOPICS, timed, () => {});
    await waitApplied(db, backlog);
    const consumerResult = { backlog: backlog.length, msgs_per_s: round(backlog.length / ((timing.last - timing.first) / 1000), 1), batches: timing.batches };

    const idList = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
    const lag = await db.execute<{ p50: number; p95: number; p99: number }>(sql`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
        percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
      FROM (SELECT extract(epoch FROM (p.processed_at - o.created_at)) * 1000 AS ms FROM processed_messages p
        JOIN outbox o ON o.message_id = p.message_id WHERE p.consumer = ${SEARCH_CONSUMER} AND p.message_id IN (${idList})) t`);
    const l = lag.rows[0];
    const result: PipelineResult = {
      messages: ids.length, bridge_events_per_s: round(ids.length / (bridgeMs / 1000), 1),
      end_to_end_lag_ms: { p50: round(Number(l?.p50)), p95: round(Number(l?.p95)), p99: round(Number(l?.p99)) }, consumer: consumerResult,
    };
    log(`pipeline: bridge ${result.bridge_events_per_s} events/s; end-to-end lag p50 ${result.end_to_end_lag_ms.p50} ms, p95 ${result.end_to_end_lag_ms.p95} ms, p99 ${result.end_to_end_lag_ms.p99} ms; ` +
      `consumer alone ${consumerResult.msgs_per_s} msgs/s over ${consumerResult.backlog} in ${consumerResult.batches} batches`);
    return result;
  } finally {
    for (const s of stops.reverse()) await s();
  }
}

type NodeDb = Awaited<ReturnType<typeof openNodeDb>>["db"];

/** One bridge until the Postgres outbox has nothing unpublished. */
async function publishAll(db: NodeDb, sink: Sink): Promise<void> {
  const controller = new AbortController();
  const relay = runRelay(db, sink, { signal: controller.signal, idleMs: 20 });
  while ((await relayLag(db)).pending > 0) await new Promise((r) => setTimeout(r, 20));
  controller.abort();
  await relay;
}

/** Until the search consumer has applied every one of `ids`. */
async function waitApplied(db: NodeDb, ids: string[]): Promise<void> {
  const idList = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
  const applied = async () => (await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM processed_messages WHERE consumer = ${SEARCH_CONSUMER} AND message_id IN (${idList})`)).rows[0]?.n ?? 0;
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  while ((await applied()) < ids.length) {
    if (Date.now() > deadline) throw new Error("pipeline: the consumer did not apply every message in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `n` EventUpdated messages over 200 events, written to the Postgres outbox at once; returns their message ids. */
async function writeBurst(db: NodeDb, n: number): Promise<string[]> {
  const events = Array.from({ length: 200 }, () => crypto.randomUUID());
  const ids: string[] = [];
  const rows = Array.from({ length: n }, (_, i) => {
    const eventId = events[i % events.length] ?? "";
    const start = new Date(Date.now() + 86400_000).toISOString();
    const m = makeMessage("EventUpdated", eventId, {
      event_id: eventId, organizer_id: eventId, title: `Pipeline ${i}`, description: "", venue: "Bench Hall", location: "", category: "concert",
      start_date: start, end_date: null, currency: "KRW", status: "published", refund_window_hours: 24, rescheduled_at: null, refund_closes_at: start,
      min_price: 1000, max_price: 1000, total_seats: 100, created_at: new Date().toISOString(), updated_at: new Date(Date.now() + i).toISOString(),
    }, { correlationId: "bench" });
    ids.push(m.envelope.event_id);
    return outboxRow(m);
  });
  for (let i = 0; i < rows.length; i += 500) await db.insert(outbox).values(rows.slice(i, i + 500));
  return ids;
}
