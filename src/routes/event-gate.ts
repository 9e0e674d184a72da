/**
 * The edge's check, before any EventRoom call made with an event id a client chose, that the
 * event exists and is on sale. Without it, any logged-in caller could create Durable Objects (each
 * with its own storage) by naming random ids. Answers are cached per isolate so a hot sale does
 * not pay a Postgres read per request: "on sale" for 30 s, anything else for 5 s. The room stays
 * the authority on selling; this only keeps unknown ids away from it.
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import { config } from "../config";
import { db, type Ctx } from "../context";
import { openDb, type Db } from "../db/client";
import type { Env } from "../env";
import { events } from "../db/schema";
import { Problem } from "../problem";

export type EventState = "published" | "draft" | "cancelled" | "absent";

const ON_SALE_TTL_MS = 30_000;
const OTHER_TTL_MS = 5_000;
/**
 * An event seen on sale within this long is answered at once even when its entry is no longer
 * fresh: one request refreshes it in the background, and if Postgres is unreachable the sale goes
 * on (reservations do not need Postgres).
 */
const STALE_ON_SALE_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

interface Entry { state: EventState; freshUntil: number; staleUntil: number; refreshing: boolean }
const cache = new Map<string, Entry>();

function put(eventId: string, state: EventState, now: number): void {
  if (!cache.has(eventId) && cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value ?? "");
  const onSale = state === "published";
  cache.set(eventId, { state, freshUntil: now + (onSale ? ON_SALE_TTL_MS : OTHER_TTL_MS), staleUntil: onSale ? now + STALE_ON_SALE_MS : 0, refreshing: false });
}

/** What this isolate just did to an event (publish, cancel) is known at once, without a read. */
export function rememberEventState(eventId: string, state: EventState, now = Date.now()): void {
  put(eventId, state, now);
}

async function readState(handle: Db, eventId: string): Promise<EventState> {
  const [row] = await handle.select({ status: events.status }).from(events).where(eq(events.eventId, eventId));
  return row?.status ?? "absent";
}

/** Outlives the request that starts it, so it has a connection of its own (the request's pool ends with the response). */
async function refreshInBackground(env: Env, eventId: string, entry: Entry): Promise<void> {
  const { db: handle, pool } = openDb(env.DATABASE_URL, config(env).pgWsProxy, 1);
  try {
    put(eventId, await readState(handle, eventId), Date.now());
  } catch {
    entry.refreshing = false;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/**
 * The event's state, from this isolate's cache when it can be. Each request awaits only its own
 * reads: a promise shared between requests would tie one request's fate to another's.
 */
export async function eventState(c: Ctx, eventId: string): Promise<EventState> {
  if (!z.uuid().safeParse(eventId).success) return "absent";
  const now = Date.now();
  const hit = cache.get(eventId);
  if (hit && now < hit.freshUntil) return hit.state;
  if (hit?.state === "published" && now < hit.staleUntil) {
    if (!hit.refreshing) {
      hit.refreshing = true;
      c.executionCtx.waitUntil(refreshInBackground(c.env, eventId, hit));
    }
    return "published";
  }
  const state = await readState(db(c), eventId);
  put(eventId, state, Date.now());
  return state;
}

/** 404 for an unknown or unpublished event, 409 for a cancelled one: the codes the room itself would give. */
export async function requireEventOnSale(c: Ctx, eventId: string): Promise<void> {
  const state = await eventState(c, eventId);
  if (state === "published") return;
  throw state === "cancelled"
    ? new Problem(409, "event_not_on_sale", "Conflict", "This event is not on sale")
    : new Problem(404, "event_not_on_sale", "Not found", "This event is not on sale");
}
