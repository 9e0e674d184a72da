import { Hono } from "hono";
import { sql } from "drizzle-orm";
import { db, type AppEnv } from "../context";
import { loadKeys } from "../domain/tokens";

const TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);
}

export const healthRoutes = new Hono<AppEnv>()
  .get("/health", async (c) => {
    const checks: Record<string, string> = {};
    try {
      await withTimeout(db(c).execute(sql`select 1`), TIMEOUT_MS);
      checks.postgres = "ok";
    } catch (e) {
      checks.postgres = `down: ${e instanceof Error ? e.message : String(e)}`;
    }
    try {
      await loadKeys(c.env.JWT_PRIVATE_JWK);
      checks.signing_key = "ok";
    } catch {
      checks.signing_key = "down: JWT_PRIVATE_JWK is missing or malformed";
    }
    const down = Object.entries(checks).filter(([, v]) => v !== "ok").map(([k]) => k);
    return c.json({ status: down.length ? "unhealthy" : "healthy", checks, ...(down.length ? { down } : {}) }, down.length ? 503 : 200);
  })
  .get("/.well-known/jwks.json", async (c) => {
    const keys = await loadKeys(c.env.JWT_PRIVATE_JWK);
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: [keys.publicJwk] });
  });
