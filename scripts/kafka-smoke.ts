// Temporary smoke test: kafkajs against the Maven-fetched KRaft broker, incl. stop/restart on the same dir.
import fs from "node:fs";
import path from "node:path";
import { Kafka, logLevel, Partitioners, type Consumer } from "kafkajs";
import { createTopics, ensureKafkaJars, startKafka, stopKafka, TOPICS } from "./lib/kafka";

const dir = path.resolve(".tmp/kafka-smoke");
fs.rmSync(dir, { recursive: true, force: true });
const port = 19092;

let t = Date.now();
const libs = await ensureKafkaJars();
console.log(`jars ready in ${Date.now() - t} ms: ${libs}`);

t = Date.now();
let broker = await startKafka({ dir, port });
console.log(`first start (incl. format) ${Date.now() - t} ms, startupMs=${broker.startupMs}, pid=${broker.pid}`);

t = Date.now();
await createTopics(broker.brokers);
await createTopics(broker.brokers); // idempotent
console.log(`createTopics x2 ${Date.now() - t} ms`);

const kafka = new Kafka({ clientId: "smoke", brokers: [broker.brokers], logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
const meta = await admin.fetchTopicMetadata({ topics: TOPICS.map((x) => x.topic) });
for (const m of meta.topics) console.log(`topic ${m.name}: ${m.partitions.length} partitions`);
await admin.disconnect();

const received: string[] = [];
async function startConsumer(): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: "smoke-group" });
  await consumer.connect();
  await consumer.subscribe({ topic: "booking-events", fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      received.push(`${message.key?.toString()}=${message.value?.toString()}@${partition}`);
    },
  });
  return consumer;
}

async function waitFor(n: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (received.length < n) {
    if (Date.now() > deadline) throw new Error(`only ${received.length}/${n} messages received`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produce(batch: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({
    topic: "booking-events",
    acks: -1,
    messages: Array.from({ length: 10 }, (_, i) => ({ key: `booking-${i % 4}`, value: `${batch}-${i}` })),
  });
  await producer.disconnect();
}

t = Date.now();
await produce("a");
console.log(`produce #1 ${Date.now() - t} ms`);
t = Date.now();
let consumer = await startConsumer();
await waitFor(10);
console.log(`consume #1 ${Date.now() - t} ms: ${received.slice(0, 4).join(", ")} ...`);

// Stop the broker while the consumer is attached, then restart on the same dir/port.
t = Date.now();
await stopKafka(broker);
console.log(`stop ${Date.now() - t} ms`);
t = Date.now();
broker = await startKafka({ dir, port });
console.log(`restart (no format) ${Date.now() - t} ms, startupMs=${broker.startupMs}, pid=${broker.pid}`);

t = Date.now();
await produce("b");
await waitFor(20);
console.log(`produce+consume after restart (same consumer) ${Date.now() - t} ms`);
await consumer.disconnect();

// A fresh consumer in the same group resumes from committed offsets: nothing is redelivered.
const before = received.length;
consumer = await startConsumer();
await produce("c");
await waitFor(before + 10);
await new Promise((r) => setTimeout(r, 2000));
console.log(`new consumer same group: got ${received.length - before} (expect 10)`);
await consumer.disconnect();

const keysToPartitions = new Map<string, Set<string>>();
for (const r of received) {
  const [kv, p] = r.split("@");
  const key = kv?.split("=")[0] ?? "";
  keysToPartitions.set(key, (keysToPartitions.get(key) ?? new Set()).add(p ?? ""));
}
console.log(`keys -> partitions: ${[...keysToPartitions].map(([k, ps]) => `${k}:${[...ps].join("/")}`).join(" ")}`);

t = Date.now();
await broker.stop();
console.log(`final stop ${Date.now() - t} ms; server.log ${fs.statSync(broker.logFile).size} bytes`);
console.log("SMOKE OK");
