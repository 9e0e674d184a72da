import { Kafka, logLevel, type Consumer } from "kafkajs";
import { envelopeSchema, type Envelope } from "../../src/pipeline/envelope";
import { describeError } from "../../src/describe-error";
import type { Sink } from "../outbox-relay";
import type { BatchHandler } from "../consumers/batch";

export function kafkaClient(brokers: string, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: brokers.split(","), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

/**
 * The bridge's producer: idempotent (the broker drops a retried batch it already has), acks from
 * all in-sync replicas, keyed by aggregate id so one booking's or event's messages share a
 * partition and keep their order.
 */
export async function kafkaSink(kafka: Kafka): Promise<Sink & { disconnect(): Promise<void> }> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  return {
    async publish(rows) {
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const r of rows) {
        const list = byTopic.get(r.topic) ?? [];
        list.push({ key: r.key, value: JSON.stringify(r.envelope), headers: { event_type: r.envelope.event_type } });
        byTopic.set(r.topic, list);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    disconnect: () => producer.disconnect(),
  };
}

/** Messages handed to a consumer at once: one statement's worth (a Kafka fetch may bring more; it is applied in slices). */
export const CONSUMER_BATCH = 1000;

/**
 * A consumer group feeding one batch handler (kafkajs eachBatch). Each slice of a fetched batch is
 * validated against the envelope schema, applied, and only then its offsets resolved and
 * committed; a handler error leaves them uncommitted, so Kafka delivers the messages again
 * (handlers are idempotent; `isolatingPoison` keeps one bad message from failing its batch
 * forever). A message that is not a valid envelope is logged and skipped: retrying it could never succeed.
 */
export async function runConsumer(
  kafka: Kafka, groupId: string, topics: readonly string[], handle: BatchHandler, log: (msg: string, f?: Record<string, unknown>) => void,
): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 10 } });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    // Partitions are independent (order matters only within one: per aggregate), so take them side by side.
    partitionsConsumedConcurrently: 6,
    eachBatchAutoResolve: false,
    // Commit whatever was resolved, at once: an applied slice is never delivered again after a restart.
    autoCommitThreshold: 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      for (let i = 0; i < batch.messages.length; i += CONSUMER_BATCH) {
        if (!isRunning() || isStale()) return;
        const slice = batch.messages.slice(i, i + CONSUMER_BATCH);
        const envelopes: Envelope[] = [];
        for (const message of slice) {
          try {
            envelopes.push(envelopeSchema.parse(JSON.parse(message.value?.toString() ?? "")));
          } catch (e) {
            log("skipping a message that is not a valid envelope", { group: groupId, topic: batch.topic, partition: batch.partition, offset: message.offset, error: describeError(e) });
          }
        }
        if (envelopes.length) await handle(envelopes);
        const last = slice[slice.length - 1];
        if (last) resolveOffset(last.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
      }
    },
  });
  return consumer;
}
