import type { Db } from "../src/db/client";
import type { Envelope } from "../src/pipeline/envelope";
import { indexForSearch } from "./consumers/search-indexer";
import type { Executor } from "./consumers/processed";
import { notify, runNotifierSchedule } from "./consumers/notifier";
import type { Channels } from "./notifications/channels";
import { runRelay, type Sink } from "./outbox-relay";

type Consumer = (db: Executor, e: Envelope) => Promise<string>;

/** Every consumer, as a function of one envelope; Kafka or the in-process sink feeds them. */
export function consumers(channels: Channels): Consumer[] {
  return [indexForSearch, (db, e) => notify(db, channels, e)];
}

/**
 * The embedded default's bus: the relay hands each batch to the consumers in this process, in
 * outbox order, and each consumer works as under Kafka, on the pool in its own transactions (the
 * search indexer's dedupe row commits with its change; the notifier's claim commits before it
 * sends). So a relay that fails after consuming and publishes the batch again finds every effect
 * already recorded, as a Kafka redelivery would. Same relay, same lease, same consumers; only the
 * transport differs.
 */
export function inProcessSink(db: Db, channels: Channels): Sink {
  const all = consumers(channels);
  return {
    async publish(rows) {
      for (const r of rows) for (const consume of all) await consume(db, r.envelope);
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
