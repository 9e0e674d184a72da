/** `npm run db:migrate`: applies migrations/ to DATABASE_URL with drizzle's migrator. */
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { explainDbError } from "./lib/db-errors";
import { closeSharedProxy, openNodeDb } from "../workers/db";

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "migrations");

/** Held while migrating, so migrators started at once (two `npm start`s, a deploy) apply each migration once. */
const MIGRATION_LOCK = 7_310_002;

export async function migrateDatabase(databaseUrl: string): Promise<void> {
  // One connection: the session-level lock and the migrations share it.
  const { db, close } = await openNodeDb(databaseUrl, 1);
  try {
    await db.execute(sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await db.execute(sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => {}); // a dropped connection has released it already
    }
  } finally {
    await close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("DATABASE_URL is not set");
    process.exit(2);
  }
  const started = Date.now();
  migrateDatabase(url)
    .then(async () => {
      console.log(`migrations applied to ${new URL(url).host}${new URL(url).pathname} in ${Date.now() - started} ms`);
      await closeSharedProxy();
    })
    .catch(async (e: unknown) => {
      console.error(`migration failed: ${await explainDbError(e, url)}`);
      process.exit(1);
    });
}
