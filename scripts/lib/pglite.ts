/** The embedded default: PGlite (Postgres in WASM) served on a local TCP port. */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startPglite(opts: { dataDir?: string; port: number }): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  // PGlite is single-session; the server multiplexes a few client connections onto it.
  const server = new PGLiteSocketServer({ db, port: opts.port, host: "127.0.0.1", maxConnections: 32 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${opts.port}/postgres`,
    port: opts.port,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
