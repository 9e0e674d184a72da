/**
 * Runs a real Apache Kafka broker for development and CI without Docker or a tarball download:
 * the broker jars come from Maven Central (scripts/kafka/pom.xml, copied once into .tmp/kafka/libs)
 * and run on the machine's Java 17 as ONE KRaft node that is both broker and controller.
 *
 * Used by scripts/kafka.ts (npm run kafka:start / kafka:stop) and by tests, which may stop the
 * broker mid-stream and start it again on the same dir/port (startKafka skips formatting then).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const POM = path.join(REPO_ROOT, "scripts", "kafka", "pom.xml");
const LIBS_DIR = path.join(REPO_ROOT, ".tmp", "kafka", "libs");
/** Written last into LIBS_DIR, holding the pom's hash: a half-done copy or an edited pom means "fetch again". */
const LIBS_STAMP = ".pom-sha256";

export interface KafkaBroker {
  /** bootstrap servers for clients, e.g. "127.0.0.1:9092" */
  brokers: string;
  pid: number;
  /** wall time from spawn (format excluded) until an admin client could list topics */
  startupMs: number;
  logFile: string;
  /** SIGTERM (controlled shutdown), SIGKILL after 15 s; resolves once the JVM has exited. */
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  /** holds server.properties, log4j2.properties, server.log and the data (dir/data) */
  dir: string;
  port: number;
  /** KRaft controller listener; default: the one already in dir/server.properties, else port + 1 */
  controllerPort?: number;
  /** keep running after this Node process exits (npm run kafka:start); otherwise it is killed on exit */
  detached?: boolean;
  /** how long to wait for the broker to answer; default 120 s */
  timeoutMs?: number;
}

const pomHash = (): string => crypto.createHash("sha256").update(fs.readFileSync(POM)).digest("hex");

function libsReady(hash: string): boolean {
  try {
    return fs.readFileSync(path.join(LIBS_DIR, LIBS_STAMP), "utf8").trim() === hash;
  } catch {
    return false;
  }
}

let jarsPromise: Promise<string> | undefined;

/**
 * Copies the broker's jars from Maven Central into .tmp/kafka/libs (about 43 MB, 46 jars; a few
 * seconds on a fresh ~/.m2) unless they are already there for the current pom. Returns the dir.
 */
export function ensureKafkaJars(): Promise<string> {
  jarsPromise ??= (async () => {
    const hash = pomHash();
    if (libsReady(hash)) return LIBS_DIR;
    // Copy into a private temp dir and rename, so a concurrent or interrupted run never leaves a half-filled libs dir.
    const tmp = `${LIBS_DIR}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(LIBS_DIR), { recursive: true });
    const args = ["-q", "-B", "-f", POM, "dependency:copy-dependencies", `-DoutputDirectory=${tmp}`];
    try {
      execFileSync("mvn", args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 10 * 60_000 });
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`mvn ${args.join(" ")} failed (is Maven installed?): ${e.stderr || e.stdout || e.message}`);
    }
    fs.writeFileSync(path.join(tmp, LIBS_STAMP), hash + "\n");
    if (libsReady(hash)) {
      fs.rmSync(tmp, { recursive: true, force: true }); // another process finished first
      return LIBS_DIR;
    }
    fs.rmSync(LIBS_DIR, { recursive: true, force: true });
    fs.renameSync(tmp, LIBS_DIR);
    return LIBS_DIR;
  })();
  jarsPromise.catch(() => (jarsPromise = undefined)); // let a later call retry
  return jarsPromise;
}

function javaBin(): string {
  const home = process.env.JAVA_HOME;
  if (home && fs.existsSync(path.join(home, "bin", "java"))) return path.join(home, "bin", "java");
  return "java";
}

/** Kafka cluster ids are 16 random bytes in unpadded base64url; one starting with "-" would read as a CLI flag. */
function newClusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

function previousControllerPort(propsFile: string): number | undefined {
  if (!fs.existsSync(propsFile)) return undefined;
  const m = /^controller\.quorum\.bootstrap\.servers=127\.0\.0\.1:(\d+)$/m.exec(fs.readFileSync(propsFile, "utf8"));
  return m?.[1] ? Number(m[1]) : undefined;
}

function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  return `# Written by scripts/lib/kafka.ts on every start: one KRaft node that is broker and controller.
process.roles=broker,controller
node.id=1
# Kafka 4 prefers a dynamic quorum: bootstrap servers (not controller.quorum.voters) + format --standalone.
controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dataDir}
# Single node: internal topics must not ask for 3 replicas.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer __consumer_offsets partitions than the default 50: the first consumer group comes up faster on 2 cores.
offsets.topic.num.partitions=10
num.partitions=3
# Topics are created on purpose (createTopics), never by a typo in a producer.
auto.create.topics.enable=false
# Consumers join at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
`;
}

/**
 * Kafka 4 logs through log4j2; INFO to server.log (so "Kafka Server started", controller and group
 * events stay visible), minus the per-partition chatter that makes up most of the volume.
 */
const LOG4J2 = `status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
logger.partition.name = kafka.cluster.Partition
logger.partition.level = WARN
logger.storage.name = org.apache.kafka.storage.internals.log
logger.storage.level = WARN
logger.logmanager.name = kafka.log.LogManager
logger.logmanager.level = WARN
`;

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

async function canListTopics(brokers: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: "kafka-readiness",
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Resolves when `child` has exited (immediately if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function stopChild(child: ChildProcess, killAfterMs: number): Promise<void> {
  const gone = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  await gone;
  clearTimeout(timer);
}

/** True if `pid` is alive and is a Kafka JVM (so a stale pid file never makes us kill something else). */
export function isKafkaPid(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // A zombie (state Z) has exited already; it only waits for its parent to reap it.
    return cmdline.includes("kafka.Kafka") && !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/**
 * Stops a broker known only by pid (one started detached by another process, e.g. npm run kafka:start):
 * SIGTERM, then SIGKILL after `killAfterMs`; resolves once it has gone.
 */
export async function stopKafkaPid(pid: number, killAfterMs = 15_000): Promise<void> {
  if (!isKafkaPid(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + killAfterMs;
  while (isKafkaPid(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* exited meanwhile */
      }
      while (isKafkaPid(pid)) await sleep(100);
      return;
    }
    await sleep(100);
  }
}

/** Stops a broker returned by startKafka (same as broker.stop(); handy for tests that restart it). */
export function stopKafka(broker: Pick<KafkaBroker, "stop">): Promise<void> {
  return broker.stop();
}

/**
 * Starts (formatting first if `dir` is new) a single KRaft broker on 127.0.0.1:`port` and waits
 * until it answers an admin request. Works again on the same dir after stop(), keeping its topics and data.
 */
export async function startKafka(opts: StartKafkaOptions): Promise<KafkaBroker> {
  const libs = await ensureKafkaJars();
  const dir = path.resolve(opts.dir);
  const dataDir = path.join(dir, "data");
  const propsFile = path.join(dir, "server.properties");
  const log4jFile = path.join(dir, "log4j2.properties");
  const logFile = path.join(dir, "server.log");
  const controllerPort = opts.controllerPort ?? previousControllerPort(propsFile) ?? opts.port + 1;
  const brokers = `127.0.0.1:${opts.port}`;
  const classpath = `${libs}/*`;
  const java = javaBin();

  if (await canConnect(opts.port)) throw new Error(`port ${opts.port} is already in use (another Kafka still running?)`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(propsFile, serverProperties(dataDir, opts.port, controllerPort));
  fs.writeFileSync(log4jFile, LOG4J2);
  // shutdownHookEnabled=false: Kafka logs from its own shutdown hook, which otherwise makes log4j2 print
  // "Unable to register Log4j shutdown hook because JVM is shutting down" (console output needs no flush).
  const log4jOpt = [`-Dlog4j2.configurationFile=${log4jFile}`, "-Dlog4j2.shutdownHookEnabled=false"];

  // KRaft needs its storage formatted once (cluster id + bootstrap metadata); a restart must not reformat.
  if (!fs.existsSync(path.join(dataDir, "meta.properties"))) {
    fs.rmSync(dataDir, { recursive: true, force: true }); // leftovers of an interrupted format
    try {
      execFileSync(
        java,
        ["-Xmx256m", ...log4jOpt, "-cp", classpath, "kafka.tools.StorageTool", "format", "--standalone",
          "--config", propsFile, "--cluster-id", newClusterId()],
        { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" },
      );
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`kafka storage format failed: ${e.stderr || e.stdout || e.message}`);
    }
  }

  // Appended across restarts (a test's stop/start reads as one story); rotated once it gets big.
  if (fs.existsSync(logFile) && fs.statSync(logFile).size > 20 * 1024 * 1024) fs.renameSync(logFile, `${logFile}.1`);
  const out = fs.openSync(logFile, "a");
  const started = Date.now();
  const child = spawn(
    java,
    ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true", ...log4jOpt,
      "-cp", classpath, "kafka.Kafka", propsFile],
    { cwd: dir, detached: opts.detached === true, stdio: ["ignore", out, out] },
  );
  fs.closeSync(out);
  // A missing `java` surfaces as an async 'error' event; without a listener it would crash the process.
  let spawnError: Error | undefined;
  child.once("error", (err) => (spawnError = err));
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(0);
    throw new Error(`could not spawn ${java} (is Java 17+ installed?): ${spawnError?.message ?? "no pid"}`);
  }

  // Without this a crashed test run would leave an orphan JVM holding the port for the next run.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  if (opts.detached) child.unref();
  else process.once("exit", killOnExit);

  const stop = async (): Promise<void> => {
    await stopChild(child, 15_000);
    process.removeListener("exit", killOnExit);
  };

  const deadline = started + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener("exit", killOnExit);
      throw new Error(`kafka exited (${child.exitCode ?? child.signalCode}) while starting; ${logFile}:\n${tail(logFile)}`);
    }
    if ((await canConnect(opts.port)) && (await canListTopics(brokers))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kafka did not answer on ${brokers} within ${opts.timeoutMs ?? 120_000} ms; ${logFile}:\n${tail(logFile)}`);
    }
    await sleep(200);
  }
  fs.writeFileSync(path.join(dir, PID_FILE), `${pid}\n`);
  return { brokers, pid, startupMs: Date.now() - started, logFile, stop };
}

const PID_FILE = "broker.pid";

/**
 * Stops whichever broker last started in `dir`, whoever started it: a test that restarts the
 * run's broker leaves a new process behind, which the runner must still be able to stop.
 */
export async function stopKafkaIn(dir: string): Promise<void> {
  const file = path.join(path.resolve(dir), PID_FILE);
  if (!fs.existsSync(file)) return;
  const pid = Number(fs.readFileSync(file, "utf8").trim());
  if (Number.isInteger(pid) && pid > 0) await stopKafkaPid(pid);
}
