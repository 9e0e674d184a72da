/**
 * `npm start`: the whole stack on one machine with nothing but npm (scripts/lib/stack.ts starts it).
 *
 *   PostgreSQL   DATABASE_URL if set, else the embedded PostgreSQL (from npm) in .data/postgres
 *   migrations   applied on every start (drizzle skips what is already applied)
 *   WS proxy     lets the Worker's Neon driver reach a loopback Postgres
 *   wrangler     `wrangler dev` (workerd), Durable Object state persisted in .data/wrangler
 *   pipeline     in-process (outbox relay → search indexer, notifier) unless KAFKA_BROKERS is set
 *   seed         demo accounts and published events, through the HTTP API (scripts/seed.ts)
 *
 * Ctrl-C (SIGINT) or SIGTERM stops everything in reverse order, PostgreSQL last.
 */
import fs from "node:fs";
import { formatError } from "../src/describe-error";
import { channelsFromEnv } from "../workers/notifications/channels";
import { DEVELOPMENT_VARS, ensureDevVars } from "./lib/dev-vars";
import { shutdown, startStack, type DatabaseSpec } from "./lib/stack";
import { DEMO_BUYER, DEMO_ORGANIZER, formatSeedResult } from "./seed";

const PORT = Number(process.env.PORT) || 8787;
const EMBEDDED_PG_PORT = Number(process.env.EMBEDDED_PG_PORT) || 54329;
const PROXY_PORT = Number(process.env.PG_WS_PROXY_PORT) || 5480;
const KAFKA_BROKERS = process.env.KAFKA_BROKERS;

async function main(): Promise<void> {
  await ensureDevVars();
  const database: DatabaseSpec = process.env.DATABASE_URL
    ? { kind: "url", url: process.env.DATABASE_URL }
    : { kind: "embedded", dataDir: ".data/postgres", port: EMBEDDED_PG_PORT };
  if (database.kind === "embedded" && fs.existsSync(".data/pglite")) {
    console.log("(.data/pglite is from the old PGlite default and is no longer used; delete it when you like)");
  }
  const stack = await startStack({
    databases: { postgres: database },
    proxy: { port: PROXY_PORT },
    workers: {
      app: {
        port: PORT, database: "postgres", persistTo: ".data/wrangler",
        vars: { ...DEVELOPMENT_VARS, ...(KAFKA_BROKERS ? { BUS_MODE: "kafka" } : {}) },
      },
    },
    // With KAFKA_BROKERS the relay and consumers run as their own processes (`npm run workers`).
    ...(KAFKA_BROKERS ? {} : { pipeline: { database: "postgres" as const, channels: channelsFromEnv(process.env) } }),
    seed: "app",
    signals: { exitCode: 0 },
    onWorkerExit: (_name, code) => void shutdown(code ?? 1, `wrangler dev exited (${code})`),
  });
  console.log(KAFKA_BROKERS
    ? "bus: Kafka (run `npm run workers` for the relay and consumers)"
    : "bus: in-process (outbox relay → search indexer, notifier; mail readable at /dev/mail); set KAFKA_BROKERS and run `npm run workers` for Kafka");
  // Keep serving when seeding fails: a broken seed is easier to debug against a running server.
  if (stack.seeded?.ok) console.log(formatSeedResult(stack.seeded.result));
  else if (stack.seeded) console.error("\nseeding failed (the server keeps running):", stack.seeded.error);
  printBanner();
}

function printBanner(): void {
  const url = `http://localhost:${PORT}`;
  const login = (email: string, password: string) =>
    `curl -s -X POST ${url}/api/auth/login -H 'content-type: application/json' -d '{"email":"${email}","password":"${password}"}'`;
  console.log(`
────────────────────────────────────────────────────────────────────
  Ticketing Pro is running at ${url}

  Demo logins
    organizer  ${DEMO_ORGANIZER.email}  /  ${DEMO_ORGANIZER.password}
    buyer      ${DEMO_BUYER.email}  /  ${DEMO_BUYER.password}

  Try
    curl ${url}/health
    curl '${url}/api/events?page_size=5'
    TOKEN=$(${login(DEMO_BUYER.email, DEMO_BUYER.password)} | jq -r .access_token)
    EVENT=$(curl -s '${url}/api/events?category=concert' | jq -r '.events[0].event_id')
    curl -s ${url}/api/events/$EVENT/seats | jq '.areas'
    curl -s -X POST ${url}/api/bookings -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -d "{\\"event_id\\":\\"$EVENT\\",\\"seat_ids\\":[\\"VIP-1-1\\",\\"VIP-1-2\\"]}"

  Data persists in .data/ (delete it to start over). Ctrl-C stops everything.
────────────────────────────────────────────────────────────────────`);
}

main().catch((e: unknown) => {
  console.error("npm start failed:", formatError(e));
  void shutdown(1);
});
