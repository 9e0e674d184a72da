import { Kafka, logLevel, type Consumer } from "kafkajs";
import { envelopeSchema, type Envelope } from "../../src/pipeline/envelope";
import { describeError } from "../../src/describe-error";
import type { Sink } from "../outbox-relay";

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

/**
 * A consumer group feeding one handler. Messages are validated against the envelope schema; a
 * handler error leaves the offset uncommitted, so Kafka delivers the message again (handlers
 * are idempotent). A message that is not a valid envelope is logged and skipped: retrying it
 * could never succeed.
 */
export async function runConsumer(
  kafka: Kafka, groupId: string, topics: readonly string[], handle: (e: Envelope) => Promise<string>, log: (msg: string, f?: Record<string, unknown>) => void,
): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 10 } });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    // Partitions are independent (order matters only within one: per aggregate), so take them side by side.
    partitionsConsumedConcurrently: 6,
    eachMessage: async ({ topic, partition, message }) => {
      let parsed: Envelope;
      try {
        parsed = envelopeSchema.parse(JSON.parse(message.value?.toString() ?? ""));
      } catch (e) {
        log("skipping a message that is not a valid envelope", { group: groupId, topic, partition, offset: message.offset, error: describeError(e) });
        return;
      }
      await handle(parsed);
    },
  });
  return consumer;
}
