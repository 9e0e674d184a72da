/**
 * `npm start`: the whole stack on one machine with nothing but npm.
 *
 *   PostgreSQL   DATABASE_URL if set, else the embedded PostgreSQL (from npm) in .data/postgres
 *   migrations   applied on every start (drizzle skips what is already applied)
 *   WS proxy     lets the Worker's Neon driver reach a loopback Postgres
 *   wrangler     `wrangler dev` (workerd), Durable Object state persisted in .data/wrangler
 *   seed         demo accounts and published events, through the HTTP API (scripts/seed.ts)
 *
 * Ctrl-C (SIGINT) or SIGTERM stops everything in reverse order.
 */
import fs from "node:fs";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { formatError } from "../src/describe-error";
import { explainDbError } from "./lib/db-errors";
import { DEVELOPMENT_VARS, ensureDevVars } from "./lib/dev-vars";
import { closeSharedProxy, openNodeDb } from "./lib/node-db";
import { startWrangler } from "./lib/wrangler";
import { startInProcessPipeline } from "../workers/in-process";
import { channelsFromEnv } from "../workers/notifications/channels";
import { migrateDatabase } from "./migrate";
import { startPgWsProxy } from "./pg-ws-proxy";
import { DEMO_BUYER, DEMO_ORGANIZER, formatSeedResult, seed } from "./seed";

const PORT = Number(process.env.PORT) || 8787;
const EMBEDDED_PG_PORT = Number(process.env.EMBEDDED_PG_PORT) || 54329;
const PROXY_PORT = Number(process.env.PG_WS_PROXY_PORT) || 5480;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Things to stop on the way out, most recently started first. */
const running: { name: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;

function shutdown(code: number, reason?: string): Promise<void> {
  stopping ??= (async () => {
    if (reason) console.log(`\n${reason}; stopping…`);
    // Never hang on a stuck child: the whole stack gets 15 s.
    setTimeout(() => {
      console.error("shutdown timed out; exiting anyway");
      process.exit(code || 1);
    }, 15_000).unref();
    for (const r of running.splice(0).reverse()) {
      try {
        await r.stop();
      } catch (e) {
        console.error(`stopping ${r.name} failed:`, formatError(e));
      }
    }
    console.log("stopped");
    process.exit(code);
  })();
  return stopping;
}

// Repeated signals while stopping are ignored, so PostgreSQL always gets to shut down cleanly
// (after the Worker and the pipeline that use it); the 15 s limit above bounds the wait.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void shutdown(0, `received ${signal}`));

async function main(): Promise<void> {
  await ensureDevVars();

  let databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    console.log(`postgres: using DATABASE_URL (${new URL(databaseUrl).host}${new URL(databaseUrl).pathname})`);
  } else {
    const pg = await startEmbeddedPostgres({ dataDir: ".data/postgres", port: EMBEDDED_PG_PORT });
    running.push({ name: "PostgreSQL", stop: () => pg.stop() });
    databaseUrl = pg.url;
    console.log(`postgres: embedded PostgreSQL on 127.0.0.1:${pg.port} (data in .data/postgres, log in .data/postgres.log)`);
    if (fs.existsSync(".data/pglite")) console.log("  (.data/pglite is from the old PGlite default and is no longer used; delete it when you like)");
  }

  const started = Date.now();
  const url = databaseUrl;
  await migrateDatabase(url).catch(async (e: unknown) => { throw new Error(`migrations failed: ${await explainDbError(e, url)}`); });
  await closeSharedProxy(); // the migrator's own throwaway proxy
  console.log(`migrations applied in ${Date.now() - started} ms`);

  // Only a loopback Postgres needs the proxy; a remote DATABASE_URL (Neon) is reached directly.
  let wsProxy = "";
  if (LOOPBACK.has(new URL(databaseUrl).hostname)) {
    const proxy = await startPgWsProxy(PROXY_PORT);
    running.push({ name: "WS proxy", stop: () => proxy.close() });
    wsProxy = `127.0.0.1:${proxy.port}`;
  }

  const worker = await startWrangler({
    port: PORT, persistTo: ".data/wrangler",
    vars: {
      ...DEVELOPMENT_VARS, ...(process.env.KAFKA_BROKERS ? { BUS_MODE: "kafka" } : {}),
      DATABASE_URL: databaseUrl, PG_WS_PROXY: wsProxy, PUBLIC_BASE_URL: `http://127.0.0.1:${PORT}`,
    },
  });
  running.push({ name: "wrangler", stop: () => worker.stop() });
  worker.child.once("exit", (code) => void shutdown(code ?? 1, `wrangler dev exited (${code})`));

  // The bus: with KAFKA_BROKERS the relay and consumers run as their own processes
  // (`npm run workers`); without, the same relay feeds the same consumers in this process.
  if (!process.env.KAFKA_BROKERS) {
    const { db, close } = await openNodeDb(databaseUrl, 3); // the relay's transaction, the consumers, the reminders
    const pipeline = startInProcessPipeline(db, channelsFromEnv(process.env), (e) => console.error("pipeline:", formatError(e)));
    running.push({ name: "in-process pipeline", stop: async () => { await pipeline.stop(); await close(); await closeSharedProxy(); } });
    console.log("bus: in-process (outbox relay → search indexer, notifier; mail readable at /dev/mail); set KAFKA_BROKERS and run `npm run workers` for Kafka");
  }

  try {
    console.log(formatSeedResult(await seed(worker.url)));
  } catch (e) {
    // Keep serving: a broken seed is easier to debug against a running server.
    console.error("\nseeding failed (the server keeps running):", formatError(e));
  }
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
