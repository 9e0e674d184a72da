/** The bench's stack: Debian's PostgreSQL, the WebSocket proxy, a baseline Worker and the app Worker, on ports no test run uses. */
import { DEVELOPMENT_VARS } from "../lib/dev-vars";
import { startStack, type Stack } from "../lib/stack";
import type { WorkerServer } from "../lib/wrangler";
import { HELD_SEATS_CAP, STATE_DIR, type BenchConfig } from "./config";
import { freePort } from "./ports";

/** The bench's PostgreSQL data directory (cpu.ts finds the postmaster there). */
export const BENCH_PG_DIR = ".tmp/pg-bench";

export async function startBenchStack(config: BenchConfig, log: (msg: string) => void): Promise<Stack<"postgres", "baseline" | "app">> {
  const appPort = await freePort(8795, 8799);
  return startStack({
    log, signals: { exitCode: 130, timeoutMs: 60_000 },
    databases: { postgres: { kind: "server", dir: BENCH_PG_DIR, port: await freePort(55450, 55459) } },
    proxy: { port: await freePort(55460, 55469) },
    workers: {
      // One after the other (the stack's order): two wranglers starting at once may both pick inspector port 9229.
      baseline: { port: await freePort(appPort + 1, 8799), config: "bench/wrangler.baseline.toml", persistTo: `${STATE_DIR}/baseline`, logFile: ".tmp/bench-wrangler-baseline.log" },
      app: {
        port: appPort, database: "postgres", persistTo: `${STATE_DIR}/app`, logFile: ".tmp/bench-wrangler-app.log",
        // The limiters run on every request (their cost is part of the path) but never refuse, as in `npm test`.
        raisedRateLimits: true,
        vars: {
          ...DEVELOPMENT_VARS, HOLD_TTL_SECONDS: "600", MAX_SEATS_PER_BOOKING: "8",
          // Each of the users holds about (requests + warmup) / users seats unpaid: the per-account cap runs on every reserve but must not refuse.
          MAX_HELD_SEATS_PER_ACCOUNT: HELD_SEATS_CAP,
          // Payments and revocations stay local (simulator DO, revocation DO) even if .dev.vars names Stripe or Upstash: no network in a benchmark.
          STRIPE_SECRET_KEY: "", UPSTASH_REDIS_REST_URL: "",
          ...(config.logLevel ? { LOG_LEVEL: config.logLevel } : {}),
        },
      },
    },
  });
}

/**
 * `wrangler dev` rebuilds and restarts a Worker when a source file changes. A run that spans two
 * builds measures neither (and the new build may expect a newer schema), so it is void: the
 * returned check throws once a reload has been seen.
 */
export function reloadGuard(servers: WorkerServer[]): () => void {
  let reloaded: string | null = null;
  for (const server of servers) {
    const onData = (chunk: Buffer) => {
      if (!reloaded && chunk.toString().includes("Reloading local server")) reloaded = `${server.url} at ${new Date().toISOString()}`;
    };
    server.child.stdout?.on("data", onData);
    server.child.stderr?.on("data", onData);
  }
  return () => {
    if (reloaded) throw new Error(`wrangler dev reloaded the Worker on ${reloaded} because source files changed; rerun on a quiet tree`);
  };
}
