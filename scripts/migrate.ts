/** `npm run db:migrate`: applies migrations/ to DATABASE_URL with drizzle's migrator. */
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatError } from "../src/describe-error";
import { closeSharedProxy, openNodeDb } from "./lib/node-db";

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "migrations");

export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const { db, close } = await openNodeDb(databaseUrl, 1);
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
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
    .catch((e: unknown) => {
      console.error("migration failed:", formatError(e));
      process.exit(1);
    });
}
