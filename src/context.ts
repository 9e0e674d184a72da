import type { Context } from "hono";
import type { Pool } from "@neondatabase/serverless";
import { config } from "./config";
import { openDb, type Db } from "./db/client";
import type { Env } from "./env";
import type { Logger } from "./log";
import type { Principal } from "./domain/tokens";

export interface AppVars {
  requestId: string;
  log: Logger;
  principal: Principal;
  db: Db;
  pool: Pool;
}
export type AppEnv = { Bindings: Env; Variables: AppVars };
export type Ctx = Context<AppEnv>;

/** The request's database handle, opened on first use; `releaseDb` ends it after the response. */
export function db(c: Ctx): Db {
  const existing = c.get("db");
  if (existing) return existing;
  const { db: handle, pool } = openDb(c.env.DATABASE_URL, config(c.env).pgWsProxy);
  c.set("db", handle);
  c.set("pool", pool);
  return handle;
}

export function releaseDb(c: Ctx): void {
  const pool = c.get("pool");
  if (pool) c.executionCtx.waitUntil(pool.end().catch(() => undefined));
}

/** The EventRoom Durable Object of one event. */
export function eventRoom(env: Env, eventId: string) {
  return env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(eventId));
}

export function room(c: Ctx, eventId: string) {
  return eventRoom(c.env, eventId);
}
