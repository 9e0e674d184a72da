/**
 * Postgres from Node (the pipeline, scripts and tests) through the same Neon driver and drizzle
 * schema the edge uses. A loopback database is reached through an in-process WebSocket proxy
 * (pg-ws-proxy.ts); a remote one (Neon) directly.
 */
import { neonConfig } from "@neondatabase/serverless";
import ws from "ws";
import { openDb, type Db } from "../src/db/client";
import { startPgWsProxy, type PgWsProxy } from "./pg-ws-proxy";

let proxy: Promise<PgWsProxy> | undefined;

export function sharedProxy(): Promise<PgWsProxy> {
  proxy ??= startPgWsProxy(0);
  return proxy;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** True for a database on this machine: it needs the WebSocket proxy (Neon's endpoints speak WebSocket themselves). */
export const isLoopbackDatabase = (databaseUrl: string): boolean => LOOPBACK.has(new URL(databaseUrl).hostname);

export async function openNodeDb(databaseUrl: string, max = 4) {
  neonConfig.webSocketConstructor = ws;
  const p = isLoopbackDatabase(databaseUrl) ? await sharedProxy() : undefined;
  const { db, pool } = openDb(databaseUrl, p ? `127.0.0.1:${p.port}` : undefined, max);
  return { db: db as Db, pool, close: () => pool.end() };
}

export async function closeSharedProxy(): Promise<void> {
  if (proxy) await (await proxy).close();
  proxy = undefined;
}
