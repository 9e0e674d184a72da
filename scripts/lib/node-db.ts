/**
 * Postgres from Node (scripts and tests) through the same Neon driver and drizzle schema the
 * edge uses. Local databases are reached through an in-process WebSocket proxy.
 */
import { neonConfig } from "@neondatabase/serverless";
import ws from "ws";
import { openDb, type Db } from "../../src/db/client";
import { startPgWsProxy, type PgWsProxy } from "../pg-ws-proxy";

let proxy: Promise<PgWsProxy> | undefined;

export function sharedProxy(): Promise<PgWsProxy> {
  proxy ??= startPgWsProxy(0);
  return proxy;
}

export async function openNodeDb(databaseUrl: string, max = 4) {
  neonConfig.webSocketConstructor = ws;
  const host = new URL(databaseUrl).hostname;
  const local = ["127.0.0.1", "localhost", "::1"].includes(host);
  const p = local ? await sharedProxy() : undefined;
  const { db, pool } = openDb(databaseUrl, p ? `127.0.0.1:${p.port}` : undefined, max);
  return { db: db as Db, pool, close: () => pool.end() };
}

export async function closeSharedProxy(): Promise<void> {
  if (proxy) await (await proxy).close();
  proxy = undefined;
}
