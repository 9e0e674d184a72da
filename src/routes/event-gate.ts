/**
 * The edge's check, before any EventRoom call made with an event id a client chose, that the
 * event exists and is on sale. Without it, any logged-in caller could create Durable Objects (each
 * with its own storage) by naming random ids. Answers are cached per isolate so a hot sale does
 * not pay a Postgres read per request: "on sale" for 30 s, anything else for 5 s. The room stays
 * the authority on selling; this only keeps unknown ids away from it.
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import { db, type Ctx } from "../context";
import { events } from "../db/schema";
import { Problem } from "../problem";

export type EventState = "published" | "draft" | "cancelled" | "absent";

const ON_SALE_TTL_MS = 30_000;
const OTHER_TTL_MS = 5_000;
/** While Postgres is unreachable, a sale this isolate saw recently goes on: reservations do not need Postgres. */
const STALE_IF_ERROR_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

interface Entry { state?: EventState; freshUntil: number; staleUntil: number; lookup?: Promise<EventState> }
const cache = new Map<string, Entry>();

function put(eventId: string, entry: Entry): void {
  if (!cache.has(eventId) && cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value ?? "");
  cache.set(eventId, entry);
}

const settled = (state: EventState, now: number): Entry => ({
  state, freshUntil: now + (state === "published" ? ON_SALE_TTL_MS : OTHER_TTL_MS), staleUntil: now + (state === "published" ? STALE_IF_ERROR_MS : 0),
});

/** What this isolate just did to an event (publish, cancel) is known at once, without a read. */
export function rememberEventState(eventId: string, state: EventState, now = Date.now()): void {
  put(eventId, settled(state, now));
}

async function readState(c: Ctx, eventId: string): Promise<EventState> {
  const [row] = await db(c).select({ status: events.status }).from(events).where(eq(events.eventId, eventId));
  return row?.status ?? "absent";
}

/** The event's state, from this isolate's cache when fresh; concurrent misses share one read. */
export function eventState(c: Ctx, eventId: string): Promise<EventState> {
  if (!z.uuid().safeParse(eventId).success) return Promise.resolve("absent");
  const now = Date.now();
  const hit = cache.get(eventId);
  if (hit?.lookup) return hit.lookup;
  if (hit?.state && now < hit.freshUntil) return Promise.resolve(hit.state);
  const lookup = readState(c, eventId).then((state) => {
    put(eventId, settled(state, Date.now()));
    return state;
  }, (e: unknown) => {
    if (hit?.state === "published" && now < hit.staleUntil) {
      // Ask Postgres again in a few seconds, not on every request while it is down.
      put(eventId, { state: "published", freshUntil: Date.now() + OTHER_TTL_MS, staleUntil: hit.staleUntil });
      return "published" as const;
    }
    if (hit) put(eventId, { ...hit, lookup: undefined });
    else cache.delete(eventId);
    throw e;
  });
  put(eventId, { ...(hit ?? { freshUntil: 0, staleUntil: 0 }), lookup });
  return lookup;
}

/** 404 for an unknown or unpublished event, 409 for a cancelled one: the codes the room itself would give. */
export async function requireEventOnSale(c: Ctx, eventId: string): Promise<void> {
  const state = await eventState(c, eventId);
  if (state === "published") return;
  throw state === "cancelled"
    ? new Problem(409, "event_not_on_sale", "Conflict", "This event is not on sale")
    : new Problem(404, "event_not_on_sale", "Not found", "This event is not on sale");
}
