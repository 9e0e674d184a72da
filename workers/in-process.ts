import type { Db } from "../src/db/client";
import type { Envelope } from "../src/pipeline/envelope";
import { makeLogger } from "../src/log";
import { isolatingPoison } from "./consumers/batch";
import { indexBatchForSearch, SEARCH_CONSUMER, SEARCH_TOPICS } from "./consumers/search-indexer";
import type { Executor } from "./consumers/processed";
import { notifyBatch, NOTIFY_CONSUMER, NOTIFY_TOPICS, runNotifierSchedule } from "./consumers/notifier";
import type { Channels } from "./notifications/channels";
import { runRelay, type Sink } from "./outbox-relay";

export interface PipelineConsumer {
  /** Its name in processed_messages and dead_letters, and its Kafka consumer group. */
  name: string;
  topics: readonly string[];
  /** Applies a batch (in order); returns each message's outcome. */
  handle(db: Executor, envelopes: Envelope[]): Promise<string[]>;
}

/** Every consumer, as a function of a batch of envelopes; Kafka or the in-process sink feeds them. */
export function consumers(channels: Channels): PipelineConsumer[] {
  return [
    { name: SEARCH_CONSUMER, topics: SEARCH_TOPICS, handle: indexBatchForSearch },
    { name: NOTIFY_CONSUMER, topics: NOTIFY_TOPICS, handle: (db, es) => notifyBatch(db, channels, es) },
  ];
}

const logger = makeLogger({ service: "pipeline" }, process.env.LOG_LEVEL);

/** A consumer's batch handler as Kafka and the in-process sink run it: one poison message set aside, not blocking the rest. */
export function batchHandler(db: Db, c: PipelineConsumer) {
  return isolatingPoison(db, c.name, (es) => c.handle(db, es), (msg, f) => logger.warn(msg, f));
}

/**
 * The embedded default's bus: the relay hands each batch to the consumers in this process (each
 * gets its topics' rows, in outbox order, as one batch), and each consumer works as under Kafka, on the pool in its own transactions (the
 * search indexer's dedupe row commits with its change; the notifier's claim commits before it
 * sends). So a relay that fails after consuming and publishes the batch again finds every effect
 * already recorded, as a Kafka redelivery would. Same relay, same lease, same consumers; only the
 * transport differs.
 */
export function inProcessSink(db: Db, channels: Channels): Sink {
  const all = consumers(channels).map((c) => ({ topics: new Set(c.topics), handle: batchHandler(db, c) }));
  return {
    async publish(rows) {
      for (const c of all) {
        const mine = rows.filter((r) => c.topics.has(r.topic)).map((r) => r.envelope);
        if (mine.length) await c.handle(mine);
      }
    },
  };
}

export function startInProcessPipeline(db: Db, channels: Channels, onError: (e: unknown) => void): { stop(): Promise<void> } {
  const controller = new AbortController();
  const running = runRelay(db, inProcessSink(db, channels), { signal: controller.signal, idleMs: 250, onError });
  // Reminders and retries of failed sends are a schedule, not a message: every ten minutes.
  const reminders = setInterval(() => void runNotifierSchedule(db, channels).catch(onError), 10 * 60_000);
  return { stop: async () => { clearInterval(reminders); controller.abort(); await running; } };
}
