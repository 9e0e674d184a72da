/**
 * `npm test`: starts the real services the tests need, runs every suite, and fails if any test
 * was skipped. Services: PostgreSQL and Redis (Debian's server binaries; missing means failure,
 * not a skip), the embedded default (PostgreSQL from npm, as `npm start` runs it), the WebSocket
 * proxy, Apache Kafka (KRaft, jars from Maven Central), stripe-mock, an Upstash-compatible REST
 * front, and three Workers under `wrangler dev`.
 * Stages: unit tests in workerd, integration and load tests in Node, then browser tests
 * (Playwright driving Debian's chromium) against the same running Worker.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { formatError } from "../src/describe-error";
import { DEVELOPMENT_VARS, ensureDevVars, readDevVar } from "./lib/dev-vars";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { startPostgres } from "./lib/postgres";
import { startStripeMock } from "./lib/stripe-mock";
import { startRedisServer, startUpstashRest } from "./lib/upstash-rest";
import { createTopics, startKafka, stopKafkaIn } from "./lib/kafka";
import { startWrangler } from "./lib/wrangler";
import { requireChromium } from "./lib/chromium";
import { migrateDatabase } from "./migrate";
import { startPgWsProxy } from "./pg-ws-proxy";

const TMP = ".tmp/test";
/** TEST_PORT_OFFSET moves every port, so two checkouts can run their suites side by side. */
const OFFSET = Number(process.env.TEST_PORT_OFFSET ?? 0);
const PG_PORT = 55432 + OFFSET;
const EMBEDDED_PG_PORT = 55433 + OFFSET;
const WORKER_PORT = 8788 + OFFSET;
/** A second Worker in Stripe mode (the official SDK against stripe-mock). */
const STRIPE_WORKER_PORT = 8789 + OFFSET;
/** A third Worker on the embedded default, for tests that must hold there as on PostgreSQL. */
const EMBEDDED_WORKER_PORT = 8791 + OFFSET;
const STRIPE_MOCK_PORT = 12111 + OFFSET;
const REDIS_PORT = 56379 + OFFSET;
const KAFKA_PORT = 59092 + OFFSET;
/** Any free port: only the Stripe-mode Worker needs it, and learns it from a var. A fixed one collided with other processes' ephemeral ports. */
const UPSTASH_PORT = 0;
/** The functional suites raise the rate limits (as a load test would, with vars only); the Stripe-mode Worker keeps the seed's. */
const RAISED_LIMITS = {
  RATE_LIMIT_LOGIN_PER_MIN: "1000000", RATE_LIMIT_REGISTER_PER_MIN: "1000000", RATE_LIMIT_BOOKINGS_PER_MIN: "1000000", RATE_LIMIT_EVENT_READS_PER_MIN: "1000000",
  RATE_LIMIT_SEARCH_PER_MIN: "1000000", RATE_LIMIT_HEALTH_PER_MIN: "1000000",
};
/**
 * The Stripe-mode Worker runs as staging: a deployed environment (no simulator, no mailbox, HSTS,
 * no local origins), with the seed's limits. Explicit here because .dev.vars says development.
 * MAILBOX_PAGE is left "on" on purpose: outside development the page must stay off regardless.
 */
const STAGING_VARS = { ENVIRONMENT: "staging", MAILBOX_PAGE: "on", CORS_ORIGINS: "https://staging.ticketing.pro", BUS_MODE: "kafka" };

interface VitestReport { numTotalTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; success: boolean }

/**
 * `npm test -- FILTER…` runs only the test files whose paths contain a filter (in both runtimes);
 * without filters every suite runs and an empty one is a failure.
 */
const FILTERS = process.argv.slice(2);

function vitest(config: string, report: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const filtered = FILTERS.length ? ["--passWithNoTests", ...FILTERS] : [];
    const child = spawn("npx", ["vitest", "run", "-c", config, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...filtered], {
      stdio: "inherit", env: { ...process.env, ...env },
    });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

interface PlaywrightReport { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; errors?: { message?: string }[] }

/** Browser test files for the third stage: all of tests/e2e, or those whose path contains a filter. */
function browserTestFiles(): string[] {
  const dir = "tests/e2e";
  const all = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".spec.ts")).map((f) => `${dir}/${f}`) : [];
  return FILTERS.length ? all.filter((f) => FILTERS.some((x) => f.includes(x))) : all;
}

function playwright(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("npx", ["playwright", "test", "-c", "playwright.config.ts", ...files], { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

/** Counted like the vitest stages: a skipped, flaky or missing browser test is a failure. */
function checkPlaywrightReport(file: string): string[] {
  if (!fs.existsSync(file)) return ["browser: no report was written"];
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as PlaywrightReport;
  const { expected, unexpected, flaky, skipped } = r.stats;
  const total = expected + unexpected + flaky + skipped;
  const problems: string[] = [];
  if (total === 0) problems.push("browser: no tests ran");
  if (skipped > 0) problems.push(`browser: ${skipped} tests were skipped; a skipped test is a failure here`);
  if (unexpected + flaky > 0) problems.push(`browser: ${unexpected + flaky} failed`);
  for (const e of r.errors ?? []) problems.push(`browser: ${e.message ?? "error outside a test"}`);
  console.log(`browser: ${total} tests, ${unexpected + flaky} failed, ${skipped} skipped`);
  return problems;
}

function checkReport(name: string, file: string): string[] {
  if (!fs.existsSync(file)) return [`${name}: no report was written`];
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as VitestReport;
  const problems: string[] = [];
  if (r.numTotalTests === 0 && !FILTERS.length) problems.push(`${name}: no tests ran`);
  if (r.numPendingTests + r.numTodoTests > 0) problems.push(`${name}: ${r.numPendingTests + r.numTodoTests} tests were skipped; a skipped test is a failure here`);
  if (!r.success || r.numFailedTests > 0) problems.push(`${name}: ${r.numFailedTests} failed`);
  console.log(`${name}: ${r.numTotalTests} tests, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  return problems;
}

async function main(): Promise<number> {
  const started = Date.now();
  fs.rmSync(TMP, { recursive: true, force: true });
  fs.mkdirSync(TMP, { recursive: true });
  await ensureDevVars();
  const browserFiles = browserTestFiles();
  if (!FILTERS.length && !browserFiles.length) throw new Error("no browser tests in tests/e2e: a missing browser test is a failure");
  // Before any service starts: a missing browser is an install problem, said at once.
  if (browserFiles.length) requireChromium();

  console.log("▶ starting PostgreSQL, the embedded default, the WebSocket proxy and the Workers …");
  const pgDir = `${TMP}/postgres`;
  const pg = startPostgres({ dir: pgDir, port: PG_PORT });
  const cleanups: (() => Promise<void> | void)[] = [() => { try { pg.stop(); } catch { /* already down */ } }];
  try {
    await migrateDatabase(pg.url);
    const embedded = await startEmbeddedPostgres({ port: EMBEDDED_PG_PORT, dataDir: `${TMP}/embedded-postgres`, throwaway: true });
    cleanups.push(() => embedded.stop());
    await migrateDatabase(embedded.url);
    const proxy = await startPgWsProxy(0);
    cleanups.push(() => proxy.close());
    const redis = await startRedisServer(REDIS_PORT, `${TMP}/redis`);
    cleanups.push(() => redis.stop());
    const upstashToken = `test-${crypto.randomUUID()}`;
    const upstash = await startUpstashRest({ port: UPSTASH_PORT, redisUrl: redis.url, token: upstashToken });
    cleanups.push(() => upstash.stop());
    const kafkaDir = `${TMP}/kafka`;
    const kafka = await startKafka({ dir: kafkaDir, port: KAFKA_PORT, controllerPort: KAFKA_PORT + 1 });
    cleanups.push(async () => { await kafka.stop(); await stopKafkaIn(kafkaDir); });
    await createTopics(kafka.brokers);
    console.log(`  Kafka (KRaft, one broker) up in ${(kafka.startupMs / 1000).toFixed(1)} s`);
    const stripeMock = await startStripeMock(STRIPE_MOCK_PORT);
    cleanups.push(() => stripeMock.stop());
    const webhookSecret = readDevVar("STRIPE_WEBHOOK_SECRET");
    const signingKey = readDevVar("JWT_PRIVATE_JWK");
    const common = { DATABASE_URL: pg.url, PG_WS_PROXY: `127.0.0.1:${proxy.port}`, HOLD_TTL_SECONDS: "600", LOG_LEVEL: "warn", STRIPE_WEBHOOK_SECRET: webhookSecret };
    // Started one after the other: two cold workerd starts at once crowd two cores.
    const worker = await startWrangler({
      port: WORKER_PORT, persistTo: `${TMP}/wrangler-state`, logFile: `${TMP}/wrangler.log`,
      vars: { ...common, ...DEVELOPMENT_VARS, ...RAISED_LIMITS, PUBLIC_BASE_URL: `http://127.0.0.1:${WORKER_PORT}` },
    });
    cleanups.push(() => worker.stop());
    const stripeWorker = await startWrangler({
      port: STRIPE_WORKER_PORT, persistTo: `${TMP}/wrangler-stripe-state`, logFile: `${TMP}/wrangler-stripe.log`,
      vars: {
        ...common, ...STAGING_VARS, PUBLIC_BASE_URL: `http://127.0.0.1:${STRIPE_WORKER_PORT}`, STRIPE_SECRET_KEY: "sk_test_123", STRIPE_API_BASE: stripeMock.url,
        UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstashToken,
      },
    });
    cleanups.push(() => stripeWorker.stop());
    const embeddedWorker = await startWrangler({
      port: EMBEDDED_WORKER_PORT, persistTo: `${TMP}/wrangler-embedded-state`, logFile: `${TMP}/wrangler-embedded.log`,
      vars: { ...common, ...DEVELOPMENT_VARS, ...RAISED_LIMITS, DATABASE_URL: embedded.url, PUBLIC_BASE_URL: `http://127.0.0.1:${EMBEDDED_WORKER_PORT}` },
    });
    cleanups.push(() => embeddedWorker.stop());
    console.log(`  services up in ${((Date.now() - started) / 1000).toFixed(1)} s (Worker log: ${TMP}/wrangler.log)`);

    console.log("▶ unit tests in the Workers runtime");
    const unitExit = await vitest("vitest.unit.mts", `${TMP}/unit.json`, {});
    console.log("▶ integration and load tests against the running services");
    const nodeEnv = {
      TEST_BASE_URL: worker.url, TEST_STRIPE_BASE_URL: stripeWorker.url, TEST_STRIPE_API: stripeMock.url, TEST_WEBHOOK_SECRET: webhookSecret, TEST_JWT_PRIVATE_JWK: signingKey, TEST_REDIS_URL: redis.url,
      TEST_KAFKA_BROKERS: kafka.brokers, TEST_KAFKA_DIR: kafkaDir, TEST_KAFKA_PORT: String(KAFKA_PORT), TEST_KAFKA_PID: String(kafka.pid),
      TEST_DATABASE_URL: pg.url, TEST_PG_DIR: pgDir, TEST_PG_PORT: String(PG_PORT), TEST_EMBEDDED_DATABASE_URL: embedded.url, TEST_EMBEDDED_BASE_URL: embeddedWorker.url,
      TEST_WORKER_STATE_DIR: `${TMP}/wrangler-state`, TEST_WORKER_LOG: `${TMP}/wrangler.log`,
    };
    const nodeExit = await vitest("vitest.node.mts", `${TMP}/node.json`, nodeEnv);
    const problems = [...checkReport("unit", `${TMP}/unit.json`), ...checkReport("integration+load", `${TMP}/node.json`)];
    if (browserFiles.length) {
      console.log("▶ browser tests (Playwright, Debian's chromium) against the running Worker");
      const browserExit = await playwright(browserFiles, nodeEnv);
      problems.push(...checkPlaywrightReport(`${TMP}/playwright/report.json`));
      if (browserExit !== 0) problems.push(`browser: playwright exited with ${browserExit}`);
    } else console.log("browser: no test file matches the filters; stage not run");
    // Vitest also fails a run for errors outside any test (an uncaught exception, say): that counts too.
    if (unitExit !== 0) problems.push(`unit: vitest exited with ${unitExit}`);
    if (nodeExit !== 0) problems.push(`integration+load: vitest exited with ${nodeExit} (see "Unhandled Errors" above)`);
    console.log(`total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (problems.length) {
      console.error(`✗ ${problems.join("\n✗ ")}`);
      return 1;
    }
    console.log("✓ all tests passed, none skipped");
    return 0;
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error("✗ test run failed:", formatError(e));
  process.exit(1);
});
