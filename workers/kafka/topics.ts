/**
 * The Kafka topics the pipeline publishes to and consumes from, with their partition counts, and
 * the one routine that creates them (the dev broker on every start, a managed cluster through
 * `npm run kafka:topics`).
 */
import { Kafka, logLevel } from "kafkajs";
import type { Topic } from "../../src/pipeline/catalogue";

export interface TopicSpec<T extends string = string> { readonly topic: T; readonly numPartitions: number }

/** Keyed by booking or event id, so the busy ones get more partitions. Every topic a message type names is here (the type says so). */
const PARTITIONS = {
  "booking-events": 6,
  "payment-events": 3,
  "event-events": 3,
  "inventory-events": 6,
  "ticket-events": 6,
} as const satisfies Record<Topic, number>;

export const TOPICS: readonly TopicSpec<Topic>[] = (Object.keys(PARTITIONS) as Topic[]).map((topic) => ({ topic, numPartitions: PARTITIONS[topic] }));

/**
 * Creates the TOPICS that are missing and adds partitions to any that have fewer than stated;
 * safe to run on every start. `replicationFactor` -1 takes the cluster's default (managed Kafka).
 */
export async function createTopics(brokers: string, topics: readonly TopicSpec[] = TOPICS, opts: { replicationFactor?: number } = {}): Promise<void> {
  const admin = new Kafka({ clientId: "create-topics", brokers: brokers.split(","), logLevel: logLevel.WARN }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions, replicationFactor: opts.replicationFactor ?? 1 })),
      });
    }
    const present = topics.filter((t) => existing.has(t.topic));
    if (present.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
      const grow = present.filter((t) => {
        const m = meta.topics.find((x) => x.name === t.topic);
        return m !== undefined && m.partitions.length < t.numPartitions;
      });
      if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.topic, count: t.numPartitions })) });
    }
  } finally {
    await admin.disconnect();
  }
}
