/**
 * `npm run bench`: how expensive is reserving a seat compared with doing nothing?
 *
 * Starts its own PostgreSQL, WebSocket proxy, the app Worker and a baseline Worker (both under
 * `wrangler dev`), then drives three scenarios with a fixed number of requests in flight:
 *   1. plain   GET /plain on the baseline Worker: returns a Response at once
 *   2. do      GET /do on the baseline Worker: one empty Durable Object RPC call
 *   3. reserve POST /api/bookings on the app: one distinct seat per request, all must be 201
 *   4. pay     reserve → pay at the simulator's checkout (Stripe-signed webhook → confirm), one flow
 *   5. join    POST /api/queue/:id/join: distinct accounts joining an event's waiting room
 *   6. poll    GET /api/queue/:id/status: waiting shoppers polling (answered at the edge)
 * and checks afterwards that Postgres, once the EventRoom outbox has flushed, holds exactly the
 * seats the 201s promised, that sold seats equal confirmed bookings' seats, and that the money
 * captured equals the confirmed totals. Results go to bench-results/ (git-ignored).
 *
 * Env: BENCH_CONCURRENCY (32), BENCH_REQUESTS per scenario (2000), BENCH_WARMUP per scenario (100),
 * BENCH_USERS (200), BENCH_LOG_LEVEL (the app's LOG_LEVEL; wrangler.toml's when unset).
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { and, count, eq, sql } from "drizzle-orm";
import { bookings, outbox, payments, seats } from "../src/db/schema";
import { makeMessage } from "../src/pipeline/catalogue";
import { formatError } from "../src/describe-error";
import { outboxRow } from "../src/pipeline/outbox-rows";
import { createTopics, startKafka } from "./lib/kafka";
import { indexForSearch, SEARCH_CONSUMER, SEARCH_TOPICS } from "../workers/consumers/search-indexer";
import { kafkaClient, kafkaSink, runConsumer } from "../workers/kafka-bus";
import { relayLag, runRelay } from "../workers/outbox-relay";
import { loadKeys, signAccessToken } from "../src/domain/tokens";
import { LIMITS } from "../src/domain/seat-map";
import { markdownTable, ratio, round, summarizeLatencies, type Ratio, type ScenarioResult } from "./lib/bench-stats";
import { DEVELOPMENT_VARS, ensureDevVars, readDevVar } from "./lib/dev-vars";
import { closeSharedProxy, openNodeDb } from "./lib/node-db";
import { startPostgres } from "./lib/postgres";
import { startWrangler, type WorkerServer } from "./lib/wrangler";
import { migrateDatabase } from "./migrate";
import { startPgWsProxy } from "./pg-ws-proxy";

// ------------------------------------------------------------------ configuration

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return n;
}

const CONCURRENCY = intEnv("BENCH_CONCURRENCY", 32);
const REQUESTS = intEnv("BENCH_REQUESTS", 2000);
const WARMUP = intEnv("BENCH_WARMUP", 100, 0);
const USERS = intEnv("BENCH_USERS", 200);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
/** Registration hashes passwords (PBKDF2, 100k iterations): keep it gentle on two cores. */
const REGISTER_CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 30_000;
const OUTBOX_TIMEOUT_MS = 120_000;

// The seat map: sections of 20 rows × 50 seats; at least 4000 seats, always one per request.
const SEATS_PER_ROW = 50;
const ROWS_PER_SECTION = 20;
const SEATS_PER_SECTION = SEATS_PER_ROW * ROWS_PER_SECTION;
/** The reserve scenario's seats come first, then the pay scenario's. */
const SEATS_NEEDED = 2 * (REQUESTS + WARMUP);
const TOTAL_SEATS = Math.ceil(Math.max(4000, SEATS_NEEDED) / SEATS_PER_SECTION) * SEATS_PER_SECTION;
if (SEATS_NEEDED > LIMITS.reservedSeats) {
  throw new Error(`BENCH_REQUESTS + BENCH_WARMUP must be ≤ ${LIMITS.reservedSeats}, the seat map limit (got ${SEATS_NEEDED})`);
}

const RAISED_LIMITS = {
  RATE_LIMIT_LOGIN_PER_MIN: "1000000", RATE_LIMIT_REGISTER_PER_MIN: "1000000", RATE_LIMIT_BOOKINGS_PER_MIN: "1000000", RATE_LIMIT_EVENT_READS_PER_MIN: "1000000",
  RATE_LIMIT_SEARCH_PER_MIN: "1000000", RATE_LIMIT_HEALTH_PER_MIN: "1000000",
};

const RESULTS_DIR = "bench-results";
const STATE_DIR = ".tmp/bench-state";

// ------------------------------------------------------------------ process housekeeping

const started = performance.now();
const log = (msg: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

/** Everything started, stopped in reverse order whatever happens. */
const cleanups: { name: string; run: () => Promise<void> | void }[] = [];
let cleaning: Promise<void> | undefined;
/** One shared run, so a signal arriving while main() fails cannot exit before every service is down. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const c = cleanups.pop()!;
      try {
        await c.run();
      } catch (e) {
        console.error(`[bench] stopping ${c.name} failed: ${formatError(e)}`);
      }
    }
  })();
  return cleaning;
}
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`[bench] ${signal}: stopping services`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** The first port in [from, to] nobody listens on (tests use other ranges; this avoids our own leftovers too). */
async function freePort(from: number, to: number): Promise<number> {
  for (let port = from; port <= to; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

/**
 * `wrangler dev` rebuilds and restarts a Worker when a source file changes. A run that spans two
 * builds measures neither (and the new build may expect a newer schema), so it is void: the
 * returned check throws once a reload has been seen.
 */
function reloadGuard(server: WorkerServer, name: string): () => void {
  let reloadedAt: string | null = null;
  const onData = (chunk: Buffer) => {
    if (!reloadedAt && chunk.toString().includes("Reloading local server")) reloadedAt = new Date().toISOString();
  };
  server.child.stdout?.on("data", onData);
  server.child.stderr?.on("data", onData);
  return () => {
    if (reloadedAt) throw new Error(`wrangler dev reloaded the ${name} Worker at ${reloadedAt} because source files changed; rerun on a quiet tree`);
  };
}

// ------------------------------------------------------------------ HTTP helpers

interface Session { access_token: string; user: { user_id: string } }
interface CreatedEvent { event_id: string; total_seats: number }
interface EventStats { seats: { available: number; held: number; sold: number }; bookings: Record<string, number>; outbox_pending: number }

/**
 * A client address per simulated buyer. Locally nothing sets CF-Connecting-IP before the Worker
 * (miniflare only fills it in when absent), so without this every buyer would share one address
 * and one rate-limiter key: a hot spot production, where buyers come from many addresses, lacks.
 */
const clientAddress = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const ORGANIZER_ADDRESS = "10.255.255.254";

/** One setup call; anything but the expected status is fatal. */
async function api<T>(base: string, method: string, route: string, expect: number, opts: { token?: string; body?: unknown; ip?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { "cf-connecting-ip": opts.ip ?? ORGANIZER_ADDRESS };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(base + route, {
    method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${method} ${route}: expected ${expect}, got ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function mapLimit<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    for (let i = next++; i < n; i = next++) out[i] = await fn(i);
  }));
  return out;
}

// ------------------------------------------------------------------ load generator

interface Target { url: string; init: RequestInit }
interface LoadOutcome { ok: number; latencies: number[]; errors: Map<string, number>; durationMs: number }
/** One timed operation: resolves to null when it succeeded, or a short description of what failed. */
type Op = (i: number) => Promise<string | null>;

const networkError = (e: unknown) => `network: ${formatError(e)}`;

/** A single request expecting one status; the body is read in full before the clock stops. */
async function send(t: Target, expected: number): Promise<{ error: string | null; body: string }> {
  try {
    const res = await fetch(t.url, { ...t.init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await res.text();
    return { error: res.status === expected ? null : `HTTP ${res.status}: ${body.slice(0, 200)}`, body };
  } catch (e) {
    return { error: networkError(e), body: "" };
  }
}

/**
 * Runs `count` operations keeping CONCURRENCY in flight (a closed loop: each slot starts its next
 * operation when the last one finished). Index i runs from `offset`.
 */
async function runLoad(count: number, offset: number, op: Op): Promise<LoadOutcome> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let ok = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
    for (let i = next++; i < count; i = next++) {
      const sent = performance.now();
      const error = await op(offset + i);
      if (error) errors.set(error, (errors.get(error) ?? 0) + 1);
      else {
        latencies.push(performance.now() - sent);
        ok++;
      }
    }
  }));
  return { ok, latencies, errors, durationMs: performance.now() - t0 };
}

/** The common case: each operation is one request built by `target(i)` before the clock starts. */
const request = (target: (i: number) => Target, expected: number): Op => async (i) => (await send(target(i), expected)).error;

interface Scenario {
  name: string;
  description: string;
  op: Op;
  /** Runs between warm-up and the timed requests, untimed. */
  afterWarmup?: () => Promise<void>;
  /** Runs right after the timed requests, untimed (before the next scenario loads the machine). */
  afterTimed?: () => Promise<void>;
}
interface ScenarioRun { result: ScenarioResult; warmup: { requests: number; ok: number; errors: number } }

async function runScenario(s: Scenario): Promise<ScenarioRun> {
  log(`${s.name}: warm-up ${WARMUP}, then ${REQUESTS} timed requests at concurrency ${CONCURRENCY}`);
  const warm = await runLoad(WARMUP, 0, s.op);
  await s.afterWarmup?.();
  const timed = await runLoad(REQUESTS, WARMUP, s.op);
  await s.afterTimed?.();
  const errors = REQUESTS - timed.ok;
  const result: ScenarioResult = {
    name: s.name, description: s.description, requests: REQUESTS, errors,
    error_samples: [...timed.errors].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([error, n]) => ({ error, count: n })),
    duration_s: round(timed.durationMs / 1000, 3),
    // Throughput counts every completed request, as the server did the work either way.
    rps: round(REQUESTS / (timed.durationMs / 1000), 1),
    latency_ms: summarizeLatencies(timed.latencies),
  };
  const l = result.latency_ms;
  log(`${s.name}: ${result.rps} req/s, p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, errors ${errors}`);
  for (const e of result.error_samples) log(`  ${e.count}× ${e.error}`);
  return { result, warmup: { requests: WARMUP, ok: warm.ok, errors: WARMUP - warm.ok } };
}

// ------------------------------------------------------------------ the reserve scenario's data

function seatIdAt(i: number): string {
  const section = Math.floor(i / SEATS_PER_SECTION);
  const inSection = i % SEATS_PER_SECTION;
  return `S${section + 1}-${Math.floor(inSection / SEATS_PER_ROW) + 1}-${(inSection % SEATS_PER_ROW) + 1}`;
}

function seatMap() {
  return {
    sections: Array.from({ length: TOTAL_SEATS / SEATS_PER_SECTION }, (_, s) => ({
      name: `S${s + 1}`,
      price: 50_000 + 10_000 * s,
      rows: Array.from({ length: ROWS_PER_SECTION }, (_, r) => ({ label: String(r + 1), seats: SEATS_PER_ROW })),
    })),
    areas: [],
  };
}

/** Polls the organizer stats until the EventRoom has sent its whole outbox to Postgres. */
async function waitForOutbox(base: string, eventId: string, token: string): Promise<{ stats: EventStats; pendingAtStart: number; waitedMs: number }> {
  const t0 = performance.now();
  let pendingAtStart: number | undefined;
  for (;;) {
    const stats = await api<EventStats>(base, "GET", `/api/events/${eventId}/stats`, 200, { token });
    pendingAtStart ??= stats.outbox_pending;
    if (stats.outbox_pending === 0) return { stats, pendingAtStart, waitedMs: performance.now() - t0 };
    if (performance.now() - t0 > OUTBOX_TIMEOUT_MS) {
      throw new Error(`outbox still has ${stats.outbox_pending} pending messages after ${OUTBOX_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ------------------------------------------------------------------ main

interface PayConsistency {
  flows: number;
  /** How long after the last pay flow's 202 every booking was confirmed (webhook delivery + saga). */
  confirm_drain_ms: number;
  room_sold_seats: number;
  room_confirmed: number;
  postgres_sold_seats: number;
  postgres_confirmed: number;
  /** Sum of confirmed bookings' totals and of captured payments, in minor units: must be equal. */
  confirmed_total: number;
  captured_total: number;
}

interface Consistency {
  pay: PayConsistency;
  ok: boolean;
  created_201: number;
  postgres_held_seats: number;
  postgres_reserved_bookings: number;
  room_held_seats: number;
  room_reserved_bookings: number;
  outbox_pending: number;
}

/** How far Postgres trailed the EventRoom after the last scenario. */
interface OutboxLag {
  /** EventRoom outbox messages not yet in Postgres when the scenarios were over. */
  backlog_after_load: number;
  /** How long after that the outbox was empty. */
  drain_ms: number;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join("node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

async function main(): Promise<number> {
  // Other work on the machine (a test run, `npm start`) skews everything: record how busy it was.
  const loadAtStart = os.loadavg().map((x) => round(x));
  if (loadAtStart[0]! > 0.5) log(`warning: 1-min load average is ${loadAtStart[0]} before starting; results will be noisy`);
  await ensureDevVars();
  fs.rmSync(STATE_DIR, { recursive: true, force: true });
  fs.mkdirSync(STATE_DIR, { recursive: true });

  // Ports: test runs use other ranges, so a bench can run next to them.
  const pgPort = await freePort(55450, 55459);
  const proxyPort = await freePort(55460, 55469);
  const appPort = await freePort(8795, 8799);
  const basePort = await freePort(appPort + 1, 8799);

  log(`starting PostgreSQL on ${pgPort}`);
  const pg = startPostgres({ dir: ".tmp/pg-bench", port: pgPort });
  cleanups.push({ name: "postgres", run: () => pg.stop() });
  await migrateDatabase(pg.url);
  // migrateDatabase and openNodeDb share one in-process proxy; close it at the end.
  cleanups.push({ name: "shared db proxy", run: () => closeSharedProxy() });
  const proxy = await startPgWsProxy(proxyPort);
  cleanups.push({ name: "pg ws proxy", run: () => proxy.close() });

  // One after the other: two wranglers starting at once may both pick inspector port 9229.
  log(`starting baseline worker on ${basePort}`);
  const baseline = await startWrangler({
    port: basePort, config: "bench/wrangler.baseline.toml", vars: {}, persistTo: `${STATE_DIR}/baseline`, logFile: ".tmp/bench-wrangler-baseline.log",
  });
  cleanups.push({ name: "baseline wrangler", run: () => baseline.stop() });
  const baselineUnchanged = reloadGuard(baseline, "baseline");
  log(`starting app worker on ${appPort}`);
  const app: WorkerServer = await startWrangler({
    port: appPort,
    vars: {
      ...DEVELOPMENT_VARS, DATABASE_URL: pg.url, PG_WS_PROXY: `127.0.0.1:${proxy.port}`, HOLD_TTL_SECONDS: "600", MAX_SEATS_PER_BOOKING: "8",
      // Each of the USERS accounts holds about (REQUESTS + WARMUP) / USERS seats unpaid; the per-account
      // cap still runs on every reserve (its cost is part of the path) but must not refuse here.
      MAX_HELD_SEATS_PER_ACCOUNT: "1000000",
      // Payments and rate limits stay local (simulator DO, limiter DO) even if .dev.vars names Stripe
      // or Upstash: no network in a benchmark.
      STRIPE_SECRET_KEY: "", UPSTASH_REDIS_REST_URL: "", PUBLIC_BASE_URL: `http://127.0.0.1:${appPort}`,
      // The limiters still run on every request (their cost is part of the path) but never refuse:
      // setup registers USERS accounts and the stats poll reads often. Same values as `npm test`.
      ...RAISED_LIMITS,
      ...(LOG_LEVEL ? { LOG_LEVEL } : {}),
    },
    persistTo: `${STATE_DIR}/app`, logFile: ".tmp/bench-wrangler-app.log",
  });
  cleanups.push({ name: "app wrangler", run: () => app.stop() });
  const appUnchanged = reloadGuard(app, "app");
  const noReloads = () => { baselineUnchanged(); appUnchanged(); };

  // Setup for the reserve scenario, all before any timing.
  const runId = Date.now().toString(36);
  const organizer = await api<Session>(app.url, "POST", "/api/auth/register", 201, {
    body: { email: `organizer.${runId}@bench.example.com`, password: "bench password 1234", name: "Bench Organizer", account_type: "organizer" },
  });
  const event = await api<CreatedEvent>(app.url, "POST", "/api/events", 201, {
    token: organizer.access_token,
    body: {
      title: `Bench ${runId}`, category: "concert", venue: "Bench Hall", currency: "KRW",
      start_date: new Date(Date.now() + 30 * 86400_000).toISOString(), seat_map: seatMap(),
    },
  });
  await api(app.url, "POST", `/api/events/${event.event_id}/publish`, 200, { token: organizer.access_token });
  log(`event ${event.event_id} published with ${event.total_seats} seats; registering ${USERS} users (concurrency ${REGISTER_CONCURRENCY})`);
  const users = await mapLimit(USERS, REGISTER_CONCURRENCY, (i) => api<Session>(app.url, "POST", "/api/auth/register", 201, {
    ip: clientAddress(i), body: { email: `user${i}.${runId}@bench.example.com`, password: "bench password 1234", name: `Bench User ${i}` },
  }));
  const userHeaders = users.map((u, i) => ({
    "content-type": "application/json", authorization: `Bearer ${u.access_token}`, "cf-connecting-ip": clientAddress(i),
  }));
  log(`${users.length} users registered`);

  // The waiting-room event: open, but admitting one shopper a minute, so pollers keep waiting and
  // every poll takes the edge path. Its joiners are simulated accounts signed with the Worker's key.
  const queued = await api<CreatedEvent>(app.url, "POST", "/api/events", 201, {
    token: organizer.access_token,
    body: { title: `Bench queue ${runId}`, category: "concert", venue: "Bench Hall", currency: "KRW",
      start_date: new Date(Date.now() + 30 * 86400_000).toISOString(), seat_map: { sections: [], areas: [{ name: "GA", price: 10_000, capacity: 100 }] } },
  });
  await api(app.url, "PUT", `/api/events/${queued.event_id}/queue`, 200, {
    token: organizer.access_token,
    body: { enabled: true, on_sale_at: new Date(Date.now() - 1000).toISOString(), admit_per_minute: 1, max_active: 1, session_minutes: 10 },
  });
  await api(app.url, "POST", `/api/events/${queued.event_id}/publish`, 200, { token: organizer.access_token });
  const signing = await loadKeys(readDevVar("JWT_PRIVATE_JWK"));
  const joiners = await Promise.all(Array.from({ length: REQUESTS + WARMUP }, async (_, i) => {
    const userId = crypto.randomUUID();
    return { token: await signAccessToken(signing, { userId, email: `${userId}@bench.example.com`, role: "user" }, 900), ip: clientAddress(USERS + i), queueToken: "" };
  }));

  // The pay flow's outcome, for the consistency check below.
  const paid = { flows: 0, confirmDrainMs: 0 };
  /** The pay flows' webhooks arrive after their 202s: wait until the room has confirmed them all. */
  const awaitConfirmations = async () => {
    log(`waiting for ${paid.flows} payments to be confirmed by their webhooks`);
    const t0 = performance.now();
    for (;;) {
      const st = await api<EventStats>(app.url, "GET", `/api/events/${event.event_id}/stats`, 200, { token: organizer.access_token });
      if ((st.bookings.confirmed ?? 0) >= paid.flows) break;
      if (performance.now() - t0 > OUTBOX_TIMEOUT_MS) throw new Error(`only ${st.bookings.confirmed} of ${paid.flows} payments confirmed after ${OUTBOX_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    paid.confirmDrainMs = Math.round(performance.now() - t0);
  };
  const payOffset = REQUESTS + WARMUP;
  const scenarios: Scenario[] = [
    { name: "plain", description: "GET /plain: a Worker that returns a Response at once",
      op: request(() => ({ url: `${baseline.url}/plain`, init: {} }), 200) },
    { name: "do", description: "GET /do: a Worker that makes one empty Durable Object RPC call",
      op: request(() => ({ url: `${baseline.url}/do`, init: {} }), 200) },
    { name: "reserve", description: "POST /api/bookings: one distinct seat per request, the whole request as the API serves it " +
        "(auth, rate-limit checks, EventRoom reserve, payment intent from the local simulator); the outbox flushes to Postgres meanwhile",
      // The timed run starts with an empty outbox, so it carries no backlog from the warm-up.
      afterWarmup: async () => { await waitForOutbox(app.url, event.event_id, organizer.access_token); },
      op: request((i) => ({
        url: `${app.url}/api/bookings`,
        init: { method: "POST", headers: userHeaders[i % userHeaders.length], body: JSON.stringify({ event_id: event.event_id, seat_ids: [seatIdAt(i)] }) },
      }), 201) },
    { name: "pay", description: "one flow: POST /api/bookings (201), then the buyer pays at the simulator's checkout (202); " +
        "the Stripe-signed webhook that confirms the booking arrives asynchronously and is waited for after the load",
      afterTimed: awaitConfirmations,
      op: async (i) => {
        const booked = await send({ url: `${app.url}/api/bookings`, init: { method: "POST", headers: userHeaders[i % userHeaders.length], body: JSON.stringify({ event_id: event.event_id, seat_ids: [seatIdAt(payOffset + i)] }) } }, 201);
        if (booked.error) return booked.error;
        const pay = (JSON.parse(booked.body) as { payment: { payment_intent_id: string; client_secret: string } }).payment;
        const done = await send({ url: `${app.url}/api/payment/simulator/${pay.payment_intent_id}/complete`, init: {
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_secret: pay.client_secret, outcome: "succeeded" }),
        } }, 202);
        if (!done.error) paid.flows++;
        return done.error;
      } },
    { name: "join", description: "POST /api/queue/:id/join: a distinct account joins an open waiting room (one EventRoom call)",
      op: async (i) => {
        const j = joiners[i]!;
        const r = await send({ url: `${app.url}/api/queue/${queued.event_id}/join`, init: { method: "POST", headers: { authorization: `Bearer ${j.token}`, "cf-connecting-ip": j.ip } } }, 201);
        if (!r.error) j.queueToken = (JSON.parse(r.body) as { queue_token: string }).queue_token;
        return r.error;
      } },
    { name: "poll", description: "GET /api/queue/:id/status: a waiting shopper polls with its queue token (answered at the edge from the token and a watermark cached for 1 s)",
      op: request((i) => ({ url: `${app.url}/api/queue/${queued.event_id}/status`, init: { headers: { authorization: `Bearer ${joiners[i]!.queueToken}` } } }), 200) },
  ];
  const loadBeforeTiming = os.loadavg().map((x) => round(x));
  const runs: Record<string, ScenarioRun> = {};
  for (const s of scenarios) {
    runs[s.name] = await runScenario(s);
    noReloads();
  }
  const plain = runs.plain!.result;
  const emptyDo = runs.do!.result;
  const reserve = runs.reserve!;

  const confirmDrainMs = paid.confirmDrainMs;

  // Consistency: every 201 is one held seat, in the EventRoom and (after the flush) in Postgres.
  log("waiting for the EventRoom outbox to reach Postgres");
  const { stats, pendingAtStart, waitedMs } = await waitForOutbox(app.url, event.event_id, organizer.access_token);
  const timedCreated = reserve.result.requests - reserve.result.errors;
  const created = reserve.warmup.ok + timedCreated;
  const outbox: OutboxLag = {
    backlog_after_load: pendingAtStart, drain_ms: Math.round(waitedMs),
  };
  const { db, close } = await openNodeDb(pg.url, 1);
  let consistency: Consistency;
  let pgVersion = "unknown";
  try {
    const [sold] = await db.select({ n: count() }).from(seats).where(and(eq(seats.eventId, event.event_id), eq(seats.status, "sold")));
    const [confirmed] = await db.select({ n: count(), total: sql<number>`coalesce(sum(${bookings.totalAmount}), 0)::bigint` }).from(bookings)
      .where(and(eq(bookings.eventId, event.event_id), eq(bookings.status, "confirmed")));
    const [captured] = await db.select({ total: sql<number>`coalesce(sum(${payments.amount}), 0)::bigint` }).from(payments)
      .where(and(eq(payments.eventId, event.event_id), eq(payments.status, "succeeded")));
    const [held] = await db.select({ n: count() }).from(seats).where(and(eq(seats.eventId, event.event_id), eq(seats.status, "held")));
    const [reserved] = await db.select({ n: count() }).from(bookings).where(and(eq(bookings.eventId, event.event_id), eq(bookings.status, "reserved")));
    const version = await db.execute(sql`SHOW server_version`);
    pgVersion = String(version.rows[0]?.server_version ?? "unknown");
    const pgHeld = held?.n ?? 0;
    const pgReserved = reserved?.n ?? 0;
    const roomReserved = stats.bookings.reserved ?? 0;
    const pay = {
      flows: paid.flows, confirm_drain_ms: confirmDrainMs, room_sold_seats: stats.seats.sold, room_confirmed: stats.bookings.confirmed ?? 0,
      postgres_sold_seats: sold?.n ?? 0, postgres_confirmed: confirmed?.n ?? 0,
      confirmed_total: Number(confirmed?.total ?? 0), captured_total: Number(captured?.total ?? 0),
    };
    consistency = {
      ok: pgHeld === created && pgReserved === created && stats.seats.held === created && roomReserved === created &&
        pay.room_sold_seats === pay.flows && pay.room_confirmed === pay.flows && pay.postgres_sold_seats === pay.flows &&
        pay.postgres_confirmed === pay.flows && pay.confirmed_total === pay.captured_total,
      created_201: created, postgres_held_seats: pgHeld, postgres_reserved_bookings: pgReserved,
      room_held_seats: stats.seats.held, room_reserved_bookings: roomReserved, outbox_pending: stats.outbox_pending, pay,
    };
  } finally {
    await close();
  }
  noReloads();
  log(`consistency ${consistency.ok ? "OK" : "FAILED"}: 201s ${created}, Postgres held ${consistency.postgres_held_seats}, ` +
    `EventRoom held ${consistency.room_held_seats}; outbox backlog ${outbox.backlog_after_load} messages after the load, ` +
    `drained in ${outbox.drain_ms} ms`);

  const ratios: Record<string, Ratio> = {};
  for (const name of ["reserve", "pay", "join", "poll"]) {
    ratios[`${name}_vs_plain`] = ratio(runs[name]!.result, plain);
    ratios[`${name}_vs_do`] = ratio(runs[name]!.result, emptyDo);
  }
  const cpus = os.cpus();
  const setup = {
    concurrency: CONCURRENCY, requests_per_scenario: REQUESTS, warmup_per_scenario: WARMUP, users: USERS, event_seats: event.total_seats,
    cores: cpus.length, cpu_model: cpus[0]?.model.trim() ?? "unknown", memory_gb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version, wrangler: packageVersion("wrangler"), workerd: packageVersion("workerd"), postgres: pgVersion,
    app_log_level: LOG_LEVEL ?? "wrangler.toml default",
    app_vars_overridden: { ...RAISED_LIMITS, MAX_HELD_SEATS_PER_ACCOUNT: "1000000", STRIPE_SECRET_KEY: "(empty: payment simulator)", UPSTASH_REDIS_REST_URL: "(empty: Durable Object limiter)" },
    client_addresses: `one CF-Connecting-IP per user (${USERS}), set by the load generator`,
    /** os.loadavg() (1, 5, 15 min) before anything started, and just before the timed scenarios. */
    load_avg_at_start: loadAtStart, load_avg_before_timing: loadBeforeTiming,
    ran_at_once: `On one machine (${cpus.length} cores) at once: this Node process (load generator with fetch/undici, ` +
      `and the Postgres WebSocket proxy), two \`wrangler dev\` servers (local workerd: the app and the baseline Worker), ` +
      `and PostgreSQL ${pgVersion} (fsync off). ${CONCURRENCY} requests in flight per scenario; scenarios run one after another. ` +
      `1-min load average before the bench started: ${loadAtStart[0]}${loadAtStart[0]! > 0.5 ? " (other work was running: numbers are noisy)" : ""}.`,
  };
  const pipeline = await benchPipeline(pg.url);
  const finishedAt = new Date();
  const results = {
    finished_at: finishedAt.toISOString(), setup,
    scenarios: Object.values(runs).map((r) => ({ ...r.result, warmup: r.warmup })),
    ratios, consistency, outbox, pipeline,
  };

  const summary = renderSummary(setup.ran_at_once, Object.values(runs).map((r) => r.result), ratios, consistency, outbox, finishedAt) + renderPipeline(pipeline);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = finishedAt.toISOString().replace(/[:.]/g, "-");
  const json = `${JSON.stringify(results, null, 2)}\n`;
  fs.writeFileSync(path.join(RESULTS_DIR, `bench-${stamp}.json`), json);
  fs.writeFileSync(path.join(RESULTS_DIR, "latest.json"), json);
  fs.writeFileSync(path.join(RESULTS_DIR, "latest.md"), summary);
  console.log(`\n${summary}`);
  log(`wrote ${RESULTS_DIR}/bench-${stamp}.json, latest.json and latest.md`);

  const failedScenarios = Object.values(runs).filter((r) => r.result.errors > 0 || r.warmup.errors > 0).map((r) => r.result.name);
  if (failedScenarios.length) console.error(`[bench] requests failed in: ${failedScenarios.join(", ")}`);
  if (!consistency.ok) console.error("[bench] INCONSISTENT: Postgres, the EventRoom and the 201s disagree");
  return failedScenarios.length || !consistency.ok ? 1 : 0;
}

// ------------------------------------------------------------------ the event pipeline

const PIPELINE_MESSAGES = intEnv("BENCH_PIPELINE_MESSAGES", 3000);

interface PipelineResult {
  messages: number;
  /** Outbox rows published to Kafka per second by one bridge (from the first claim to an empty outbox). */
  bridge_events_per_s: number;
  /** Outbox insert → applied by the search consumer (over Kafka), for a burst of `messages` rows. */
  end_to_end_lag_ms: { p50: number; p95: number; p99: number };
}

/**
 * Outbox → Kafka → consumer against a local KRaft broker: a burst of event messages is written
 * to the Postgres outbox at once, one bridge publishes it, and the search consumer (its own
 * group) applies it. Reports the bridge's rate and each message's insert-to-applied lag.
 */
async function benchPipeline(databaseUrl: string): Promise<PipelineResult> {
  const kafkaPort = await freePort(59190, 59199);
  log(`pipeline: starting Kafka (KRaft) on ${kafkaPort}`);
  const broker = await startKafka({ dir: `${STATE_DIR}/kafka`, port: kafkaPort, controllerPort: kafkaPort + 100 });
  cleanups.push({ name: "kafka", run: () => broker.stop() });
  await createTopics(broker.brokers);
  const { db, close } = await openNodeDb(databaseUrl, 6);
  cleanups.push({ name: "pipeline db", run: () => close() });
  const kafka = kafkaClient(broker.brokers, "bench");
  const consumer = await runConsumer(kafka, `${SEARCH_CONSUMER}-bench`, SEARCH_TOPICS, (e) => indexForSearch(db, e), () => {});
  cleanups.push({ name: "pipeline consumer", run: () => consumer.disconnect() });

  const events = Array.from({ length: 200 }, () => crypto.randomUUID());
  const ids: string[] = [];
  const rows = Array.from({ length: PIPELINE_MESSAGES }, (_, i) => {
    const eventId = events[i % events.length]!;
    const start = new Date(Date.now() + 86400_000).toISOString();
    const m = makeMessage("EventUpdated", eventId, {
      event_id: eventId, organizer_id: eventId, title: `Pipeline ${i}`, description: "", venue: "Bench Hall", location: "", category: "concert",
      start_date: start, end_date: null, currency: "KRW", status: "published", refund_window_hours: 24, rescheduled_at: null, refund_closes_at: start,
      min_price: 1000, max_price: 1000, total_seats: 100, created_at: new Date().toISOString(), updated_at: new Date(Date.now() + i).toISOString(),
    }, { correlationId: "bench" });
    ids.push(m.envelope.event_id);
    return outboxRow(m);
  });
  for (let i = 0; i < rows.length; i += 500) await db.insert(outbox).values(rows.slice(i, i + 500));

  const sink = await kafkaSink(kafka);
  cleanups.push({ name: "pipeline producer", run: () => sink.disconnect() });
  const controller = new AbortController();
  const t0 = performance.now();
  const relay = runRelay(db, sink, { signal: controller.signal, idleMs: 20 });
  while ((await relayLag(db)).pending > 0) await new Promise((r) => setTimeout(r, 20));
  const bridgeMs = performance.now() - t0;
  controller.abort();
  await relay;
  const idList = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
  const applied = async () => (await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM processed_messages WHERE consumer = ${SEARCH_CONSUMER} AND message_id IN (${idList})`)).rows[0]?.n ?? 0;
  const deadline = Date.now() + OUTBOX_TIMEOUT_MS;
  while ((await applied()) < ids.length) {
    if (Date.now() > deadline) throw new Error("pipeline: the consumer did not apply every message in time");
    await new Promise((r) => setTimeout(r, 100));
  }
  const lag = await db.execute<{ p50: number; p95: number; p99: number }>(sql`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
      percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
    FROM (SELECT extract(epoch FROM (p.processed_at - o.created_at)) * 1000 AS ms FROM processed_messages p
      JOIN outbox o ON o.message_id = p.message_id WHERE p.consumer = ${SEARCH_CONSUMER} AND p.message_id IN (${idList})) t`);
  const l = lag.rows[0]!;
  const result: PipelineResult = {
    messages: ids.length, bridge_events_per_s: round(ids.length / (bridgeMs / 1000), 1),
    end_to_end_lag_ms: { p50: round(Number(l.p50)), p95: round(Number(l.p95)), p99: round(Number(l.p99)) },
  };
  log(`pipeline: bridge ${result.bridge_events_per_s} events/s; end-to-end lag p50 ${result.end_to_end_lag_ms.p50} ms, p95 ${result.end_to_end_lag_ms.p95} ms, p99 ${result.end_to_end_lag_ms.p99} ms`);
  return result;
}

function renderPipeline(p: PipelineResult): string {
  return [
    "",
    `Event pipeline (outbox → Kafka → search consumer, one bridge, one KRaft broker, a burst of ${p.messages} outbox rows written at once): ` +
      `the bridge published **${p.bridge_events_per_s} events/s**; outbox insert → applied by the consumer took p50 ${p.end_to_end_lag_ms.p50} ms, ` +
      `p95 ${p.end_to_end_lag_ms.p95} ms, p99 ${p.end_to_end_lag_ms.p99} ms (the burst queues behind itself, so this is the lag of a backlog, not of one message).`,
    "",
  ].join("\n");
}

function renderSummary(ranAtOnce: string, results: ScenarioResult[], ratios: Record<string, Ratio>, c: Consistency, o: OutboxLag, at: Date): string {
  const table = markdownTable(
    ["scenario", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"],
    results.map((r) => [r.name, String(r.requests), String(r.errors), r.rps.toFixed(1), r.latency_ms.p50.toFixed(2), r.latency_ms.p95.toFixed(2), r.latency_ms.p99.toFixed(2)]),
    [false, true, true, true, true, true, true],
  );
  const ratioTable = markdownTable(
    ["ratio", "throughput (scenario ÷ baseline)", "p50 latency (scenario ÷ baseline)"],
    ["reserve", "pay", "join", "poll"].flatMap((n) => [
      [`${n} / plain`, ratios[`${n}_vs_plain`]!.throughput.toFixed(3), `${ratios[`${n}_vs_plain`]!.latency_p50.toFixed(2)}×`],
      [`${n} / empty DO call`, ratios[`${n}_vs_do`]!.throughput.toFixed(3), `${ratios[`${n}_vs_do`]!.latency_p50.toFixed(2)}×`],
    ]),
    [false, true, true],
  );
  return [
    `# Benchmark ${at.toISOString()}`,
    "",
    ranAtOnce,
    "",
    table,
    "",
    ratioTable,
    "",
    `Consistency: **${c.ok ? "OK" : "FAILED"}**: ${c.created_201} bookings answered 201 (warm-up included); Postgres holds ` +
      `${c.postgres_held_seats} seats in ${c.postgres_reserved_bookings} reserved bookings; the EventRoom holds ${c.room_held_seats} seats ` +
      `in ${c.room_reserved_bookings} reserved bookings; outbox pending ${c.outbox_pending}.`,
    "",
    `Pay flow: ${c.pay.flows} reserve → pay flows; every booking was confirmed ${(c.pay.confirm_drain_ms / 1000).toFixed(1)} s after the last 202 ` +
      `(webhooks are delivered asynchronously). Sold seats: room ${c.pay.room_sold_seats}, Postgres ${c.pay.postgres_sold_seats}; confirmed bookings: ` +
      `room ${c.pay.room_confirmed}, Postgres ${c.pay.postgres_confirmed}; confirmed totals ${c.pay.confirmed_total} = captured ${c.pay.captured_total} (KRW).`,
    "",
    `Outbox: after the last scenario, ${o.backlog_after_load} EventRoom messages (from the reserve and pay scenarios) were still waiting ` +
      `for Postgres; the outbox was empty ${(o.drain_ms / 1000).toFixed(1)} s later (the room flushes while it sells, but on two shared ` +
      `cores the selling wins; see the README).`,
    "",
    "Latency is measured in the client from sending the request to reading the whole body, over successful requests; " +
      "local numbers compare code paths on this machine and say nothing about Cloudflare's edge.",
    "",
  ].join("\n");
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (e: unknown) => {
    // After a signal, requests fail because the services are being stopped: not worth a stack.
    if (!interrupted) {
      console.error(`[bench] failed: ${formatError(e)}`);
      console.error("[bench] wrangler logs: .tmp/bench-wrangler-app.log, .tmp/bench-wrangler-baseline.log");
    }
    await cleanup();
    process.exit(interrupted ? 130 : 1);
  });
