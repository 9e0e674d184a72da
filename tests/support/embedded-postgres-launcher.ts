/**
 * A launcher process for tests of scripts/lib/embedded-postgres.ts: starts the embedded server on
 * argv's data directory and port, prints `READY <launcher pid> <server url>`, and idles until it
 * is killed (which is the point: the tests kill it and look at what it left behind).
 */
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) throw new Error("usage: embedded-postgres-launcher.ts DATA_DIR PORT");
const pg = await startEmbeddedPostgres({ dataDir, port: Number(port) });
console.log(`READY ${process.pid} ${pg.url}`);
setInterval(() => {}, 60_000);
