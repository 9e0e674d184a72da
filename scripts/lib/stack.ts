/**
 * The one launcher of the local stack: `npm start` (scripts/dev.ts), `npm test` (scripts/test.ts)
 * and `npm run bench` (scripts/bench/main.ts) each describe what they need in a StackSpec and get
 * handles back. Start order: databases (each migrated), the Workers' WebSocket proxy, Redis and
 * its Upstash front, Kafka and its topics, stripe-mock, the Workers (one after another: two cold
 * workerd starts at once crowd two cores), the in-process pipeline, the seed. `stop()` tears
 * down in reverse, whatever happened: after the run, on SIGINT/SIGTERM, and when a start fails
 * midway (then the error is rethrown once what had started is down).
 */
import { formatError } from "../../src/describe-error";
import { closeSharedProxy, isLoopbackDatabase, openNodeDb } from "../../workers/db";
import { startInProcessPipeline } from "../../workers/in-process";
import { createTopics } from "../../workers/kafka/topics";
import type { Channels } from "../../workers/notifications/channels";
import { startPgWsProxy, type PgWsProxy } from "../../workers/pg-ws-proxy";
import { migrateDatabase } from "../migrate";
import { seed, type SeedResult } from "../seed";
import { explainDbError } from "./db-errors";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { startKafka, stopKafkaIn, type KafkaBroker } from "./kafka";
import { startPostgres } from "./postgres";
import { startStripeMock } from "./stripe-mock";
import { startRedisServer, startUpstashRest } from "./upstash-rest";
import { startWrangler, type WorkerServer } from "./wrangler";
import { writeRaisedConfig } from "./wrangler-config";

export type DatabaseSpec =
  /** Debian's PostgreSQL server binaries, a cluster in `dir` (tests, bench). */
  | { kind: "server"; dir: string; port: number }
  /** PostgreSQL from npm (`npm start`'s default; tests' embedded default). `throwaway`: recreated, deleted on stop. */
  | { kind: "embedded"; dataDir: string; port: number; throwaway?: boolean }
  /** A database someone else runs (DATABASE_URL). */
  | { kind: "url"; url: string };

export interface WorkerSpec<D extends string> {
  port: number;
  /** Sets DATABASE_URL, and PG_WS_PROXY when the database is on this machine. */
  database?: D;
  /** Stripe mode against the stack's stripe-mock (STRIPE_SECRET_KEY, STRIPE_API_BASE). */
  stripeMock?: boolean;
  /** Rate limits and revocations in the stack's Redis through its Upstash front. */
  upstash?: boolean;
  /** Every other var; PUBLIC_BASE_URL defaults to the Worker's own URL. */
  vars?: Record<string, string>;
  /** Another wrangler.toml (the bench's baseline Worker). */
  config?: string;
  /** Run from a copy of wrangler.toml whose rate limits never refuse (load tests): see wrangler-config.ts. */
  raisedRateLimits?: boolean;
  persistTo?: string;
  /** Where wrangler's output goes; without one it is printed. */
  logFile?: string;
}

export interface StackSpec<D extends string, W extends string> {
  databases?: Record<D, DatabaseSpec>;
  /** Apply migrations/ to every database (default true). */
  migrate?: boolean;
  /** The Workers' WebSocket-to-TCP proxy (port 0: any); started only when a database is on this machine. */
  proxy?: { port: number };
  /** redis-server and an Upstash-compatible REST front for it (on any free port, with a fresh token). */
  redis?: { port: number; dir: string };
  /** One KRaft broker from Maven Central jars, with the pipeline's topics. */
  kafka?: { dir: string; port: number; controllerPort?: number };
  stripeMock?: { port: number };
  /** `wrangler dev` servers, started in this order. */
  workers?: Record<W, WorkerSpec<D>>;
  /** The outbox relay feeding the consumers in this process (no Kafka). */
  pipeline?: { database: D; channels: Channels };
  /** Demo accounts and events through this Worker's API; a failure is reported, not thrown (the stack keeps serving). */
  seed?: W;
  /** Progress lines; default console.log. */
  log?: (msg: string) => void;
  /** On SIGINT/SIGTERM: stop every running stack, then exit with `exitCode` (within `timeoutMs`, default 15 s). */
  signals?: { exitCode: number; timeoutMs?: number };
  /** A Worker that exits while the stack runs (not while it stops). */
  onWorkerExit?: (name: W, code: number | null) => void;
}

export interface Stack<D extends string, W extends string> {
  databases: Record<D, { url: string }>;
  proxy: PgWsProxy | null;
  redis: { url: string } | null;
  upstash: { url: string; token: string } | null;
  kafka: (KafkaBroker & { dir: string; port: number }) | null;
  stripeMock: { url: string } | null;
  workers: Record<W, WorkerServer>;
  seeded: { ok: true; result: SeedResult } | { ok: false; error: string } | null;
  /** Stops everything started, in reverse order; a second call waits for the first. */
  stop(): Promise<void>;
}

interface Running { name: string; stop: () => Promise<void> | void }

/** Stacks that are up, in start order: a signal stops them all, the newest first. */
const live: { stop(): Promise<void> }[] = [];
let signalled: string | undefined;
let exiting: Promise<void> | undefined;

/** Whether a signal is stopping the stacks (requests then fail because services are going away). */
export const interrupted = (): boolean => signalled !== undefined;

/** Stops every running stack, newest first (a launcher's last word, whatever happened). */
export async function stopAllStacks(): Promise<void> {
  for (const s of [...live].reverse()) await s.stop();
}

/**
 * Stops every running stack (newest first) and exits with `code`; never hangs past `timeoutMs`.
 * Repeated calls (a second Ctrl-C) wait for the first, so PostgreSQL always stops cleanly.
 */
export function shutdown(code: number, reason?: string, timeoutMs = 15_000): Promise<void> {
  exiting ??= (async () => {
    if (reason) console.log(`\n${reason}; stopping…`);
    setTimeout(() => {
      console.error("shutdown timed out; exiting anyway");
      process.exit(code || 1);
    }, timeoutMs).unref();
    await stopAllStacks();
    console.log("stopped");
    process.exit(code);
  })();
  return exiting;
}

let handlersInstalled = false;
function installSignalHandlers(exitCode: number, timeoutMs: number): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      signalled ??= signal;
      void shutdown(exitCode, `received ${signal}`, timeoutMs);
    });
  }
}

/** The keys of a record, typed as its keys (Object.keys says string[]). */
function keysOf<K extends string>(o: Record<K, unknown>): K[] {
  return Object.keys(o) as K[];
}

/** Starts the stack `spec` describes; on a failure midway, stops what had started and rethrows. */
export async function startStack<D extends string = never, W extends string = never>(spec: StackSpec<D, W>): Promise<Stack<D, W>> {
  const log = spec.log ?? ((msg: string) => console.log(msg));
  const running: Running[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const r of running.splice(0).reverse()) {
        try {
          await r.stop();
          log(`stopped ${r.name}`);
        } catch (e) {
          console.error(`stopping ${r.name} failed:`, formatError(e));
        }
      }
      const i = live.indexOf(handle);
      if (i >= 0) live.splice(i, 1);
    })();
    return stopping;
  };
  const handle = { stop };
  /** Registers something to stop; one that finishes starting after a stop began (a signal mid-start) is stopped at once. */
  const track = async (r: Running): Promise<void> => {
    if (!stopping) {
      running.push(r);
      return;
    }
    await r.stop();
    throw new Error(`stopped while starting (${r.name})`);
  };
  live.push(handle);
  if (spec.signals) installSignalHandlers(spec.signals.exitCode, spec.signals.timeoutMs ?? 15_000);

  try {
    const databases = {} as Record<D, { url: string }>; // filled below, one entry per key of spec.databases
    const dbSpecs = spec.databases;
    if (dbSpecs) {
      // The migrator's (and any later Node client's) in-process proxy: stopped last.
      await track({ name: "shared Node proxy", stop: () => closeSharedProxy() });
      for (const name of keysOf(dbSpecs)) {
        const url = await startDatabase(name, dbSpecs[name], track, log);
        if (spec.migrate ?? true) {
          const started = Date.now();
          await migrateDatabase(url).catch(async (e: unknown) => { throw new Error(`migrations failed on ${name}: ${await explainDbError(e, url)}`); });
          log(`${name}: migrations applied in ${Date.now() - started} ms`);
        }
        databases[name] = { url };
      }
    }

    let proxy: PgWsProxy | null = null;
    if (spec.proxy && Object.values<{ url: string }>(databases).some((d) => isLoopbackDatabase(d.url))) {
      const p = await startPgWsProxy(spec.proxy.port);
      await track({ name: "WS proxy", stop: () => p.close() });
      proxy = p;
    }

    let redis: Stack<D, W>["redis"] = null;
    let upstash: Stack<D, W>["upstash"] = null;
    if (spec.redis) {
      const server = await startRedisServer(spec.redis.port, spec.redis.dir);
      await track({ name: "redis-server", stop: () => server.stop() });
      const token = `test-${crypto.randomUUID()}`;
      // Any free port: only a Worker needs it, and learns it from a var (a fixed one collided with other processes' ephemeral ports).
      const front = await startUpstashRest({ port: 0, redisUrl: server.url, token });
      await track({ name: "Upstash REST front", stop: () => front.stop() });
      redis = { url: server.url };
      upstash = { url: front.url, token };
    }

    let kafka: Stack<D, W>["kafka"] = null;
    if (spec.kafka) {
      const { dir, port, controllerPort } = spec.kafka;
      const broker = await startKafka({ dir, port, controllerPort: controllerPort ?? port + 1 });
      // A test may have restarted the broker (a new process in the same dir): stop that one too.
      await track({ name: "Kafka", stop: async () => { await broker.stop(); await stopKafkaIn(dir); } });
      await createTopics(broker.brokers);
      log(`Kafka (KRaft, one broker) up in ${(broker.startupMs / 1000).toFixed(1)} s on ${broker.brokers}`);
      kafka = { ...broker, dir, port };
    }

    let stripeMock: Stack<D, W>["stripeMock"] = null;
    if (spec.stripeMock) {
      const mock = await startStripeMock(spec.stripeMock.port);
      await track({ name: "stripe-mock", stop: () => mock.stop() });
      stripeMock = { url: mock.url };
    }

    const workers = {} as Record<W, WorkerServer>;
    const workerSpecs = spec.workers;
    if (workerSpecs) {
      for (const name of keysOf(workerSpecs)) {
        const w = workerSpecs[name];
        const db = w.database === undefined ? undefined : databases[w.database];
        const vars: Record<string, string> = {
          ...(db ? { DATABASE_URL: db.url, PG_WS_PROXY: proxy && isLoopbackDatabase(db.url) ? `127.0.0.1:${proxy.port}` : "" } : {}),
          ...(w.config ? {} : { PUBLIC_BASE_URL: `http://127.0.0.1:${w.port}` }),
          ...w.vars,
          ...(w.stripeMock ? { STRIPE_SECRET_KEY: "sk_test_123", STRIPE_API_BASE: required(stripeMock, "stripeMock", name).url } : {}),
          ...(w.upstash ? { UPSTASH_REDIS_REST_URL: required(upstash, "redis", name).url, UPSTASH_REDIS_REST_TOKEN: required(upstash, "redis", name).token } : {}),
        };
        log(`${name}: starting wrangler dev on ${w.port}`);
        const config = w.config ?? (w.raisedRateLimits ? writeRaisedConfig() : undefined);
        const server = await startWrangler({ port: w.port, vars, config, persistTo: w.persistTo, logFile: w.logFile });
        await track({ name: `${name} Worker`, stop: () => server.stop() });
        server.child.once("exit", (code) => { if (!stopping) spec.onWorkerExit?.(name, code); });
        workers[name] = server;
      }
    }

    if (spec.pipeline) {
      const { db, close } = await openNodeDb(databases[spec.pipeline.database].url, 3); // the relay's transaction, the consumers, the reminders
      const pipeline = startInProcessPipeline(db, spec.pipeline.channels, (e) => console.error("pipeline:", formatError(e)));
      await track({ name: "in-process pipeline", stop: async () => { await pipeline.stop(); await close(); } });
    }

    let seeded: Stack<D, W>["seeded"] = null;
    if (spec.seed !== undefined) {
      try {
        seeded = { ok: true, result: await seed(workers[spec.seed].url) };
      } catch (e) {
        seeded = { ok: false, error: formatError(e) };
      }
    }

    return { databases, proxy, redis, upstash, kafka, stripeMock, workers, seeded, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function required<T>(value: T | null, what: string, worker: string): T {
  if (value === null) throw new Error(`worker ${worker} needs the stack's ${what}, which the spec does not start`);
  return value;
}

async function startDatabase(name: string, spec: DatabaseSpec, track: (r: Running) => Promise<void>, log: (msg: string) => void): Promise<string> {
  switch (spec.kind) {
    case "url":
      log(`${name}: using ${new URL(spec.url).host}${new URL(spec.url).pathname}`);
      return spec.url;
    case "server": {
      const pg = startPostgres({ dir: spec.dir, port: spec.port });
      await track({ name: `${name} PostgreSQL`, stop: () => { try { pg.stop(); } catch { /* already down (a test stopped it) */ } } });
      log(`${name}: PostgreSQL (server binaries) on 127.0.0.1:${pg.port}, cluster in ${spec.dir}`);
      return pg.url;
    }
    case "embedded": {
      const pg = await startEmbeddedPostgres({ port: spec.port, dataDir: spec.dataDir, throwaway: spec.throwaway });
      await track({ name: `${name} PostgreSQL`, stop: () => pg.stop() });
      log(`${name}: embedded PostgreSQL on 127.0.0.1:${pg.port} (data in ${spec.dataDir}, log in ${spec.dataDir}.log)`);
      return pg.url;
    }
  }
}
