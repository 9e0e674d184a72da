/**
 * npm run kafka:start | kafka:stop  (tsx scripts/kafka.ts start|stop)
 *
 * start: fetches the broker jars once (Maven Central -> .tmp/kafka/libs), starts one KRaft broker on
 * 127.0.0.1:$KAFKA_PORT (default 9092; controller on $KAFKA_CONTROLLER_PORT, default port + 1) with its
 * data in .data/kafka, leaves it running in the background (pid in .data/kafka/kafka.pid), creates
 * the TOPICS and prints KAFKA_BROKERS=... . Running it again while the broker is up only re-checks topics.
 * stop: SIGTERM to that pid (SIGKILL after 15 s). Data stays in .data/kafka; delete the folder to reset.
 * topics: creates the TOPICS (or adds partitions) on the cluster named by $KAFKA_BROKERS, e.g. a
 * managed Kafka before the first `npm run workers`; replication is the cluster's default unless
 * $KAFKA_REPLICATION_FACTOR says otherwise. Safe to run again.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTopics, TOPICS } from "../workers/kafka/topics";
import { ensureKafkaJars, isKafkaPid, startKafka, stopKafkaPid } from "./lib/kafka";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, ".data", "kafka");
const pidFile = path.join(dir, "kafka.pid");

function envPort(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${raw} is not a port`);
  return n;
}

function runningPid(): number | undefined {
  if (!fs.existsSync(pidFile)) return undefined;
  const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && isKafkaPid(pid) ? pid : undefined;
}

async function start(): Promise<void> {
  const port = envPort("KAFKA_PORT") ?? 9092;
  const brokers = `127.0.0.1:${port}`;
  const pid = runningPid();
  if (pid !== undefined) {
    console.log(`kafka already running (pid ${pid})`);
  } else {
    const t0 = Date.now();
    await ensureKafkaJars();
    const broker = await startKafka({ dir, port, controllerPort: envPort("KAFKA_CONTROLLER_PORT"), detached: true });
    fs.writeFileSync(pidFile, `${broker.pid}\n`);
    console.log(`kafka started in ${Date.now() - t0} ms (pid ${broker.pid}, log ${path.relative(root, broker.logFile)})`);
  }
  await createTopics(brokers);
  console.log(`KAFKA_BROKERS=${brokers}`);
}

async function stop(): Promise<void> {
  const pid = runningPid();
  if (pid === undefined) {
    console.log("kafka is not running");
  } else {
    await stopKafkaPid(pid);
    console.log(`kafka stopped (pid ${pid})`);
  }
  fs.rmSync(pidFile, { force: true });
}

async function topics(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error("KAFKA_BROKERS is not set (host:port[,host:port…])");
  const raw = process.env.KAFKA_REPLICATION_FACTOR;
  const replicationFactor = raw ? Number(raw) : -1;
  if (!Number.isInteger(replicationFactor) || replicationFactor === 0 || replicationFactor < -1) throw new Error(`KAFKA_REPLICATION_FACTOR=${raw} is not a replication factor`);
  await createTopics(brokers, TOPICS, { replicationFactor });
  for (const t of TOPICS) console.log(`${t.topic}: ${t.numPartitions} partitions`);
}

const cmd = process.argv[2];
if (cmd === "start") await start();
else if (cmd === "stop") await stop();
else if (cmd === "topics") await topics();
else {
  console.error("usage: tsx scripts/kafka.ts start|stop|topics");
  process.exit(2);
}
// The broker was spawned detached and unref'd; exit explicitly so no lingering client socket keeps us alive.
process.exit(0);
