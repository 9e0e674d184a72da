import { Pool, neonConfig, type PoolClient } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "./schema";

export type Db = NeonDatabase<typeof schema>;

/**
 * Points the Neon driver at a plain WebSocket-to-TCP proxy (workers/pg-ws-proxy.ts) when one is
 * configured, so the same driver reaches a local PostgreSQL (embedded or not) and, in production (no proxy),
 * Neon itself. The address travels in the query string; the proxy only dials loopback.
 */
export function useWsProxy(proxy: string | undefined): void {
  if (!proxy) return;
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.forceDisablePgSSL = true;
}

/**
 * A pool for one unit of work (a request or an alarm). Workers must not share sockets across
 * requests, so the caller ends it when done.
 */
export function openDb(databaseUrl: string, proxy: string | undefined, max = 4): { db: Db; pool: Pool } {
  useWsProxy(proxy);
  // The handshake's limit is wall-clock, and an isolate busy with CPU work (a burst of sign-ups
  // hashing passwords) delays its callbacks by seconds; 5 s turned such bursts into 503s. A
  // database that is down refuses at once, so only a black-holed network waits this long.
  const pool = new Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 30_000 });
  // A client that loses its socket (Postgres restarting, say) emits 'error'; without a listener
  // that is an uncaught exception. The query in flight rejects on its own, which is what callers see.
  pool.on("error", () => {});
  pool.on("connect", (client: PoolClient) => client.on("error", () => {}));
  return { db: drizzle(pool, { schema }), pool };
}

/** Errors that mean "Postgres cannot be reached right now", as opposed to a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String(err.cause ?? "")}` : String(err);
  return /connection terminated|ECONNREFUSED|timeout exceeded when trying to connect|websocket|the database system is (starting up|shutting down)|terminating connection/i.test(text);
}
