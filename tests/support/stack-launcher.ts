/**
 * A launcher process for tests of scripts/lib/stack.ts: starts a small stack (a throwaway
 * embedded PostgreSQL, migrated, the Workers' WebSocket proxy and the in-process pipeline) with
 * the launchers' signal handling, prints `READY <json>`, and idles until a signal stops it.
 */
import { startStack } from "../../scripts/lib/stack";

const [dataDir, pgPort, proxyPort] = process.argv.slice(2);
if (!dataDir || !pgPort || !proxyPort) throw new Error("usage: stack-launcher.ts DATA_DIR PG_PORT PROXY_PORT");
const stack = await startStack({
  databases: { postgres: { kind: "embedded", dataDir, port: Number(pgPort), throwaway: true } },
  proxy: { port: Number(proxyPort) },
  pipeline: { database: "postgres", channels: { email: null, sms: null } },
  signals: { exitCode: 0 },
});
console.log(`READY ${JSON.stringify({ url: stack.databases.postgres.url, proxy: stack.proxy?.port ?? null })}`);
setInterval(() => {}, 60_000);
