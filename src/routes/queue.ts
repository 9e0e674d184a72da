import type { QueueWatermark } from "../../durable-objects/event-room/contract";
import { room, type Ctx } from "../context";
import { queueShard } from "../../durable-objects/queue-shard/names";
import { refuse } from "../../durable-objects/event-room/contract";
import { estimatedPosition, shardOf } from "../domain/queue-shards";
import { expectedAdmissionAt, secondsUntil } from "../domain/waiting-room";
import { loadKeys } from "../domain/tokens";
import { signQueueToken, verifyQueueToken, type QueueClaims } from "../domain/queue-tokens";
import { bearerToken, requireAuth } from "../middleware/auth";
import { uuidId } from "../middleware/params";
import { problems, Problem } from "../problem";
import { unwrap } from "./room-result";
import { queueOperations as op } from "../contract/queue";
import { ApiRoutes } from "./api-routes";
import { requireEventOnSale } from "./event-gate";

/** Queue tokens outlive any sale; the admission token is what is short. */
const QUEUE_TOKEN_TTL_MS = 12 * 3600_000;
/** How long an isolate trusts its copy of an event's admission watermark. */
const WATERMARK_TTL_MS = 1000;

const watermarks = new Map<string, { at: number; value: Promise<QueueWatermark> }>();

/**
 * The admission watermark, from this isolate's cache when fresh: at peak, thousands of polls a
 * second share one EventRoom call per isolate per second instead of each making their own.
 * With `madeSince`, only a copy asked for at or after that instant will do.
 */
function watermark(c: Ctx, eventId: string, madeSince = 0): Promise<QueueWatermark> {
  const hit = watermarks.get(eventId);
  if (hit && Date.now() - hit.at < WATERMARK_TTL_MS && hit.at >= madeSince) return hit.value;
  const value = room(c, eventId).queueWatermark();
  watermarks.set(eventId, { at: Date.now(), value });
  value.then((wm) => latest.set(eventId, wm), () => watermarks.delete(eventId));
  if (watermarks.size > 1000) watermarks.delete(watermarks.keys().next().value!);
  if (latest.size > 1000) latest.delete(latest.keys().next().value!);
  return value;
}

/** The last watermark this isolate received per event, however old. */
const latest = new Map<string, QueueWatermark>();

/**
 * For a join: the number of shards (fixed once the queue is configured) and marks to estimate the
 * position shown, from the last copy however old (refreshed in the background when stale), so a
 * join never waits for the room once this isolate has seen the event's queue.
 */
async function joinWatermark(c: Ctx, eventId: string): Promise<QueueWatermark> {
  const known = latest.get(eventId);
  if (!known?.shards.length) return watermark(c, eventId, Date.now());
  const hit = watermarks.get(eventId);
  if (!hit || Date.now() - hit.at >= WATERMARK_TTL_MS) c.executionCtx.waitUntil(watermark(c, eventId).catch(() => undefined));
  return known;
}

/**
 * A waiting shopper's answer, from the shard's watermark and the room's forecast: the place's
 * position in the whole line (estimated from its place in its shard), how many are ahead, and an
 * instant by which it will have been admitted if nobody leaves early, so the wait counts down with
 * the clock. A place past the forecast's horizon (it joined after the room's last tick) gets the
 * forecast's steady pace; the next copy (a second later) covers it. A room with no forecast (its
 * waiting room was switched off) falls back to the set rate.
 */
function waiting(wm: QueueWatermark, shard: number, seq: number, now: number, freshToken?: string) {
  const position = estimatedPosition(wm.admittedThrough, wm.shards, shard, seq);
  const ahead = Math.max(0, position - wm.admittedThrough - 1);
  const at = wm.forecast ? expectedAdmissionAt(wm.forecast, position) : now + Math.ceil(((ahead + 1) * 60_000) / Math.max(1, wm.admitPerMinute));
  return {
    state: "waiting" as const, position, ahead, estimated_wait_seconds: secondsUntil(at, now), estimated_admission_at: new Date(Math.max(at, now)).toISOString(),
    ...(freshToken ? { queue_token: freshToken } : {}),
  };
}

/**
 * Queue tokens this isolate has verified, by their exact text, until they expire: a waiting
 * shopper polls with the same token every second or so, and one signature check serves them all.
 */
const verified = new Map<string, QueueClaims & { expiresAt: number }>();
const MAX_VERIFIED = 20_000;

async function queueClaims(c: Ctx, token: string, eventId: string): Promise<QueueClaims | null> {
  const hit = verified.get(token);
  if (hit && hit.eventId === eventId && hit.expiresAt > Date.now()) return hit;
  const claims = await verifyQueueToken(await loadKeys(c.env.JWT_PRIVATE_JWK), "queue", token, eventId);
  if (claims) {
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value ?? "");
    verified.set(token, claims);
  }
  return claims;
}

const eventIdParam = (c: Ctx) => uuidId(c.req.param("event_id"), "Event");
const invalidToken = (detail: string) => new Problem(401, "invalid_queue_token", "Invalid queue token", detail, {}, { "WWW-Authenticate": "Bearer" });
const queueTokenExpiry = () => new Date(Date.now() + QUEUE_TOKEN_TTL_MS);

export const queueRoutes = new ApiRoutes("/api/queue")
  /** One call to the account's queue shard (K per event, so a burst of joins does not queue on the room). */
  .serve(op.join, requireAuth(), async (c) => {
    const eventId = eventIdParam(c);
    await requireEventOnSale(c, eventId);
    const userId = c.get("principal").userId;
    const wm = await joinWatermark(c, eventId);
    if (!wm.shards.length) unwrap(refuse(409, "queue_not_enabled", "This event has no waiting room; book directly"));
    const shard = shardOf(userId, wm.shards.length);
    const place = unwrap(await queueShard(c.env.QUEUE_SHARD, eventId, shard).join(userId));
    const keys = await loadKeys(c.env.JWT_PRIVATE_JWK);
    const queueToken = await signQueueToken(keys, "queue", { userId, eventId, position: place.seq, shard }, queueTokenExpiry());
    const position = place.seq === null ? null : estimatedPosition(wm.admittedThrough, wm.shards, shard, place.seq);
    return c.json({ queue_token: queueToken, state: place.state, position }, 201);
  })
  /**
   * Answered at the edge from the signed token and the cached watermark. The room is asked only
   * when the watermark says the place was admitted (to sign the admission token); the shard only to
   * place a pre-sale arrival, or to follow an account that joined again after its turn.
   */
  .serve(op.status, async (c) => {
    const eventId = eventIdParam(c);
    const bearer = bearerToken(c);
    if (!bearer) throw problems.unauthorized("Send your queue token as a Bearer token");
    const claims = await queueClaims(c, bearer, eventId);
    if (!claims) throw invalidToken("The queue token is not valid for this event; join again");
    await requireEventOnSale(c, eventId);
    let wm = await watermark(c, eventId);
    if (claims.shard !== undefined && claims.shard >= wm.shards.length) wm = await watermark(c, eventId, Date.now());
    const shard = claims.shard;
    if (shard === undefined || shard >= wm.shards.length) throw invalidToken("This queue token is from an older line; join again");
    const shardStub = queueShard(c.env.QUEUE_SHARD, eventId, shard);
    const keys = await loadKeys(c.env.JWT_PRIVATE_JWK);
    let seq = claims.position;
    let freshToken: string | undefined;
    if (seq === null) {
      if (!wm.opened && Date.now() < wm.onSaleAt) {
        return c.json({ state: "waiting" as const, position: null, ahead: null, estimated_wait_seconds: Math.ceil((wm.onSaleAt - Date.now()) / 1000), opens_at: new Date(wm.onSaleAt).toISOString() }, 200);
      }
      const placed = await shardStub.place(claims.userId);
      if (!placed?.seq) throw invalidToken("No place is held for this token; join again");
      seq = placed.seq;
      freshToken = await signQueueToken(keys, "queue", { ...claims, position: seq }, queueTokenExpiry());
    }
    if (seq > wm.shards[shard]!.through) return c.json(waiting(wm, shard, seq, Date.now(), freshToken), 200);
    const place = await room(c, eventId).queuePlace(claims.userId);
    if (place?.state === "admitted" && place.sessionEndsAt) {
      const accessToken = await signQueueToken(keys, "admission", { userId: claims.userId, eventId, position: place.position ?? seq }, new Date(place.sessionEndsAt));
      return c.json({ state: "admitted" as const, position: place.position ?? seq, ahead: 0 as const, estimated_wait_seconds: 0 as const, access_token: accessToken, session_ends_at: new Date(place.sessionEndsAt).toISOString() }, 200);
    }
    // The turn is over; unless the account joined again since, and its shard gave it a new place.
    const now = await shardStub.place(claims.userId);
    if (now?.seq && now.seq > seq) {
      const fresh = await signQueueToken(keys, "queue", { ...claims, position: now.seq }, queueTokenExpiry());
      return c.json(waiting(wm, shard, now.seq, Date.now(), fresh), 200);
    }
    return c.json({
      state: "expired" as const, position: place?.position ?? seq, ahead: 0 as const, estimated_wait_seconds: 0 as const,
      detail: "Your turn is over (you booked, or your session ran out); join again for a new place at the back of the line",
      join: `POST /api/queue/${eventId}/join`,
    }, 200);
  });
