/** The embedded default: PGlite (Postgres in WASM) served on a local TCP port. */
import net from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const TERMINATE = 0x58; // 'X'
const MAX_CONNECTIONS = 512;

/**
 * Follows the client→server half of the wire protocol (message framing only) and calls
 * `onTerminate` when the client sends Terminate. Payloads are skipped, never buffered.
 */
function watchForTerminate(onTerminate: () => void): (chunk: Buffer) => void {
  let startup = true; // untyped messages (SSLRequest, StartupMessage) come first
  let skip = 0; // payload bytes of the current message still to pass over
  let head = Buffer.alloc(0); // a message header split across chunks
  return (chunk) => {
    let data = chunk;
    while (data.length) {
      if (skip) {
        const n = Math.min(skip, data.length);
        skip -= n;
        data = data.subarray(n);
        continue;
      }
      const need = startup ? 8 : 5;
      const take = Math.min(need - head.length, data.length);
      head = Buffer.concat([head, data.subarray(0, take)]);
      data = data.subarray(take);
      if (head.length < need) return;
      if (startup) {
        const code = head.readInt32BE(4);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
        skip = Math.max(0, head.readInt32BE(0) - 8);
      } else {
        if (head[0] === TERMINATE) return onTerminate();
        skip = Math.max(0, head.readInt32BE(1) - 4);
      }
      head = Buffer.alloc(0);
    }
  };
}

export async function startPglite(opts: { dataDir?: string; port: number }): Promise<EmbeddedPostgres> {
  // pg_trgm backs the search read model's typo and prefix matching, as on a real server.
  const db = await PGlite.create({ ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), extensions: { pg_trgm } });
  // PGlite is single-session; the server multiplexes client connections onto it, one statement
  // (or one open transaction) at a time. Connections are cheap, and the Worker opens a pool per
  // request, so the cap is high: a burst of requests beyond it would fail with "Connection
  // terminated unexpectedly" (the server answers "Too many connections" and hangs up).
  const inner = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: MAX_CONNECTIONS });
  await inner.start();
  const innerPort = Number(inner.getServerConn().split(":").pop());

  // Postgres hangs up when a client sends Terminate; pglite-socket does not. The Neon driver
  // relies on it: its client.end() sends Terminate but never closes its WebSocket (its socket
  // shim drops the write callback that would), so every connection would stay open and count
  // against maxConnections until all new ones are refused. This relay in front of the socket
  // server hangs up on Terminate, at once: clients send it only with no answer outstanding
  // (node-postgres destroys the socket instead while a query runs), so nothing is cut short.
  const open = new Set<net.Socket>();
  const front = net.createServer((client) => {
    const upstream = net.connect(innerPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      open.add(s);
      s.on("close", () => open.delete(s));
      s.on("error", () => { client.destroy(); upstream.destroy(); });
    }
    client.on("data", watchForTerminate(() => { client.end(); upstream.end(); }));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const address = front.address();
  const port = typeof address === "object" && address ? address.port : opts.port;

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const s of open) s.destroy();
      await closed;
      await inner.stop();
      await db.close();
    },
  };
}
