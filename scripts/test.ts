/**
 * `npm test [-- FILTER…]`: starts the real services the tests need (scripts/lib/stack.ts), runs
 * every suite, and fails if any test was skipped. Services: PostgreSQL and Redis (Debian's server
 * binaries; missing means failure, not a skip), the embedded default (PostgreSQL from npm, as
 * `npm start` runs it), the WebSocket proxy, Apache Kafka (KRaft, jars from Maven Central),
 * stripe-mock, an Upstash-compatible REST front, and three Workers under `wrangler dev`.
 * Stages: unit tests in workerd, integration and load tests in Node, then browser tests
 * (Playwright driving Debian's chromium) against the same running Worker. With filters, only the
 * test files whose paths contain one run (in every stage); without, an empty suite is a failure.
 */
import fs from "node:fs";
import { formatError } from "../src/describe-error";
import { requireChromium } from "./lib/chromium";
import { DEVELOPMENT_VARS, ensureDevVars, readDevVar } from "./lib/dev-vars";
import { startStack } from "./lib/stack";
import { browserTestFiles, checkPlaywrightReport, checkVitestReport, playwright, vitest } from "./lib/test-stages";

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
/**
 * The Stripe-mode Worker runs as staging: a deployed environment (no simulator, no mailbox, HSTS,
 * no local origins), with the seed's limits. Explicit here because .dev.vars says development.
 * MAILBOX_PAGE is left "on" on purpose: outside development the page must stay off regardless.
 */
const STAGING_VARS = { ENVIRONMENT: "staging", MAILBOX_PAGE: "on", CORS_ORIGINS: "https://staging.ticketing.pro", BUS_MODE: "kafka" };
const FILTERS = process.argv.slice(2);

async function main(): Promise<number> {
  const started = Date.now();
  fs.rmSync(TMP, { recursive: true, force: true });
  fs.mkdirSync(TMP, { recursive: true });
  await ensureDevVars();
  const browserFiles = browserTestFiles(FILTERS);
  if (!FILTERS.length && !browserFiles.length) throw new Error("no browser tests in tests/e2e: a missing browser test is a failure");
  // Before any service starts: a missing browser is an install problem, said at once.
  if (browserFiles.length) requireChromium();

  console.log("▶ starting PostgreSQL, the embedded default, the WebSocket proxy, Redis, Kafka, stripe-mock and the Workers …");
  const webhookSecret = readDevVar("STRIPE_WEBHOOK_SECRET");
  const common = { HOLD_TTL_SECONDS: "600", LOG_LEVEL: "warn", STRIPE_WEBHOOK_SECRET: webhookSecret };
  const pgDir = `${TMP}/postgres`;
  const kafkaDir = `${TMP}/kafka`;
  const stack = await startStack({
    log: (msg) => console.log(`  ${msg}`),
    signals: { exitCode: 130, timeoutMs: 60_000 },
    databases: {
      postgres: { kind: "server", dir: pgDir, port: PG_PORT },
      embedded: { kind: "embedded", dataDir: `${TMP}/embedded-postgres`, port: EMBEDDED_PG_PORT, throwaway: true },
    },
    proxy: { port: 0 },
    redis: { port: REDIS_PORT, dir: `${TMP}/redis` },
    kafka: { dir: kafkaDir, port: KAFKA_PORT },
    stripeMock: { port: STRIPE_MOCK_PORT },
    workers: {
      simulator: {
        port: WORKER_PORT, database: "postgres", persistTo: `${TMP}/wrangler-state`, logFile: `${TMP}/wrangler.log`,
        // The functional suites raise the rate limits (as a load test would); the Stripe-mode Worker keeps the seed's.
        vars: { ...common, ...DEVELOPMENT_VARS }, raisedRateLimits: true,
      },
      stripe: {
        port: STRIPE_WORKER_PORT, database: "postgres", persistTo: `${TMP}/wrangler-stripe-state`, logFile: `${TMP}/wrangler-stripe.log`,
        vars: { ...common, ...STAGING_VARS, STRIPE_PUBLISHABLE_KEY: "pk_test_123" }, stripeMock: true, upstash: true,
      },
      embedded: {
        port: EMBEDDED_WORKER_PORT, database: "embedded", persistTo: `${TMP}/wrangler-embedded-state`, logFile: `${TMP}/wrangler-embedded.log`,
        vars: { ...common, ...DEVELOPMENT_VARS }, raisedRateLimits: true,
      },
    },
  });
  try {
    console.log(`  services up in ${((Date.now() - started) / 1000).toFixed(1)} s (Worker log: ${TMP}/wrangler.log)`);
    const { databases, workers } = stack;
    const kafka = required(stack.kafka, "Kafka");
    const nodeEnv = {
      TEST_BASE_URL: workers.simulator.url, TEST_STRIPE_BASE_URL: workers.stripe.url, TEST_STRIPE_API: required(stack.stripeMock, "stripe-mock").url,
      TEST_WEBHOOK_SECRET: webhookSecret, TEST_JWT_PRIVATE_JWK: readDevVar("JWT_PRIVATE_JWK"), TEST_REDIS_URL: required(stack.redis, "Redis").url,
      TEST_KAFKA_BROKERS: kafka.brokers, TEST_KAFKA_DIR: kafka.dir, TEST_KAFKA_PORT: String(kafka.port), TEST_KAFKA_PID: String(kafka.pid),
      TEST_DATABASE_URL: databases.postgres.url, TEST_PG_DIR: pgDir, TEST_PG_PORT: String(PG_PORT),
      TEST_EMBEDDED_DATABASE_URL: databases.embedded.url, TEST_EMBEDDED_BASE_URL: workers.embedded.url,
      TEST_WORKER_STATE_DIR: `${TMP}/wrangler-state`, TEST_WORKER_LOG: `${TMP}/wrangler.log`,
    };

    console.log("▶ unit tests in the Workers runtime");
    const unitExit = await vitest("vitest.unit.mts", `${TMP}/unit.json`, FILTERS, {});
    console.log("▶ integration and load tests against the running services");
    const nodeExit = await vitest("vitest.node.mts", `${TMP}/node.json`, FILTERS, nodeEnv);
    const filtered = FILTERS.length > 0;
    const problems = [...checkVitestReport("unit", `${TMP}/unit.json`, filtered), ...checkVitestReport("integration+load", `${TMP}/node.json`, filtered)];
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
    await stack.stop();
  }
}

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`the stack started no ${what}`);
  return value;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error("✗ test run failed:", formatError(e));
  process.exit(1);
});
