import type { Db } from "../src/db/client";
import type { Envelope } from "../src/domain/envelope";
import { indexForSearch } from "./consumers/search-indexer";
import type { Executor } from "./consumers/processed";
import { runRelay, type Sink } from "./outbox-relay";

/** Every consumer, as a function of one envelope; Kafka or the in-process sink feeds them. */
export const CONSUMERS: ((db: Executor, e: Envelope) => Promise<string>)[] = [indexForSearch];

/**
 * The embedded default's bus: the relay hands each batch straight to the consumers, in outbox
 * order, inside the relay's own transaction (so a batch is relayed and consumed, or neither).
 * Same relay, same consumers, same dedupe as with Kafka; only the transport differs.
 */
export function inProcessSink(): Sink {
  return {
    async publish(rows, tx) {
      for (const r of rows) for (const consume of CONSUMERS) await consume(tx, r.envelope);
    },
  };
}

export function startInProcessPipeline(db: Db, onError: (e: unknown) => void): { stop(): Promise<void> } {
  const controller = new AbortController();
  const running = runRelay(db, inProcessSink(), { signal: controller.signal, idleMs: 250, onError });
  return { stop: async () => { controller.abort(); await running; } };
}
