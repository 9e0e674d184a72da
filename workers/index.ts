/**
 * `npm run workers`: the event pipeline as its own processes' work, with Kafka: the outbox
 * bridge (Postgres → Kafka), the search indexer and the notifier (Kafka → their effects), the
 * reminder schedule, and a small HTTP endpoint reporting the bridge's lag.
 * Needs DATABASE_URL and KAFKA_BROKERS; SMTP_URL and SMS_WEBHOOK_URL are optional.
 */
import http from "node:http";
import { closeSharedProxy, openNodeDb } from "./db";
import { describeError } from "../src/describe-error";
import { makeLogger } from "../src/log";
import { runNotifierSchedule } from "./consumers/notifier";
import { batchHandler, consumers as pipelineConsumers } from "./in-process";
import { kafkaClient, kafkaSink, runConsumer } from "./kafka/bus";
import { channelsFromEnv } from "./notifications/channels";
import { relayLag, runRelay } from "./outbox-relay";

const logger = makeLogger({ service: "workers" }, process.env.LOG_LEVEL);
const log = (msg: string, f: Record<string, unknown> = {}) => logger.info(msg, f);

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  const brokers = process.env.KAFKA_BROKERS;
  if (!databaseUrl || !brokers) throw new Error("DATABASE_URL and KAFKA_BROKERS must be set (without Kafka, `npm start` runs the pipeline in-process)");
  const { db, close } = await openNodeDb(databaseUrl, 6);
  const kafka = kafkaClient(brokers, `ticketing-pro-workers-${process.pid}`);
  const channels = channelsFromEnv(process.env);

  const sink = await kafkaSink(kafka);
  const controller = new AbortController();
  const relay = runRelay(db, sink, { signal: controller.signal, onError: (e) => logger.warn("bridge: retrying after an error", { error: describeError(e) }) });
  const all = pipelineConsumers(channels);
  const consumers = await Promise.all(all.map((c) => runConsumer(kafka, c.name, c.topics, batchHandler(db, c), log)));
  const reminders = setInterval(() => void runNotifierSchedule(db, channels).catch((e: unknown) => logger.error("notifier schedule failed", { error: describeError(e) })), 10 * 60_000);

  const port = Number(process.env.WORKERS_PORT ?? 8790);
  const server = http.createServer((_req, res) => {
    relayLag(db).then((lag) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ bridge: lag }));
    }, (e: unknown) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: describeError(e) }));
    });
  }).listen(port, "127.0.0.1");
  log("workers running", { brokers, lag_endpoint: `http://127.0.0.1:${port}/`, consumers: all.map((c) => c.name) });

  const stop = async () => {
    clearInterval(reminders);
    controller.abort();
    await relay;
    await Promise.all(consumers.map((c) => c.disconnect()));
    await sink.disconnect();
    server.close();
    await close();
    await closeSharedProxy();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main().catch((e: unknown) => {
  logger.error("workers failed", { error: describeError(e) });
  process.exit(1);
});
