import type { Db } from "../src/db/client";
import type { Envelope } from "../src/domain/envelope";
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
 * The embedded default's bus: the relay hands each batch straight to the consumers, in outbox
 * order, inside the relay's own transaction (so a batch is relayed and consumed, or neither).
 * Same relay, same consumers, same dedupe as with Kafka; only the transport differs.
 */
export function inProcessSink(channels: Channels): Sink {
  const all = consumers(channels);
  return {
    async publish(rows, tx) {
      if (!tx) throw new Error("the in-process sink runs inside the relay's transaction");
      for (const r of rows) for (const consume of all) await consume(tx, r.envelope);
    },
  };
}

export function startInProcessPipeline(db: Db, channels: Channels, onError: (e: unknown) => void): { stop(): Promise<void> } {
  const controller = new AbortController();
  const running = runRelay(db, inProcessSink(channels), { signal: controller.signal, idleMs: 250, onError });
  // Reminders and retries of failed sends are a schedule, not a message: every ten minutes.
  const reminders = setInterval(() => void runNotifierSchedule(db, channels).catch(onError), 10 * 60_000);
  return { stop: async () => { clearInterval(reminders); controller.abort(); await running; } };
}
