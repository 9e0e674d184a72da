import type { QueueWatermark } from "../../durable-objects/event-room/contract";
import { room, type Ctx } from "../context";
import { expectedAdmissionAt, secondsUntil } from "../domain/waiting-room";
import { loadKeys } from "../domain/tokens";
import { signQueueToken, verifyQueueToken } from "../domain/queue-tokens";
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
  value.catch(() => watermarks.delete(eventId));
  if (watermarks.size > 1000) watermarks.delete(watermarks.keys().next().value!);
  return value;
}

/**
 * A waiting shopper's answer. The wait comes from the room's forecast: an instant by which the
 * place will have been admitted (if nobody leaves early), so it counts down with the clock. A room
 * with no forecast (its waiting room was switched off) falls back to the set rate.
 */
function waiting(wm: QueueWatermark, position: number, now: number, freshToken?: string) {
  const ahead = Math.max(0, position - wm.admittedThrough - 1);
  const at = wm.forecast ? expectedAdmissionAt(wm.forecast, position) : now + Math.ceil(((ahead + 1) * 60_000) / Math.max(1, wm.admitPerMinute));
  return {
    state: "waiting" as const, position, ahead, estimated_wait_seconds: secondsUntil(at, now), estimated_admission_at: new Date(Math.max(at, now)).toISOString(),
    ...(freshToken ? { queue_token: freshToken } : {}),
  };
}

/**
 * The waiting answer. A place the cached forecast does not cover joined after that copy was made:
 * rather than guess, it gets a copy asked for after this poll arrived (so after its join), shared
 * with the polls that need one at the same moment. The forecast projects 500 places past the last
 * one handed out, so this is rare even while thousands join.
 */
async function waitingAnswer(c: Ctx, eventId: string, wm: QueueWatermark, position: number, arrivedAt: number, freshToken?: string) {
  const current = !wm.forecast || position > wm.forecast.horizon ? await watermark(c, eventId, arrivedAt) : wm;
  return waiting(current, position, Date.now(), freshToken);
}

const eventIdParam = (c: Ctx) => uuidId(c.req.param("event_id"), "Event");

export const queueRoutes = new ApiRoutes("/api/queue")
  .serve(op.join, requireAuth(), async (c) => {
    const eventId = eventIdParam(c);
    await requireEventOnSale(c, eventId);
    const userId = c.get("principal").userId;
    const place = unwrap(await room(c, eventId).joinQueue(userId));
    const keys = await loadKeys(c.env.JWT_PRIVATE_JWK);
    const queueToken = await signQueueToken(keys, "queue", { userId, eventId, position: place.position }, new Date(Date.now() + QUEUE_TOKEN_TTL_MS));
    return c.json({ queue_token: queueToken, state: place.state, position: place.position }, 201);
  })
  /** Answered at the edge from the signed token and the cached watermark; the room is asked only to place a pre-sale arrival or to admit. */
  .serve(op.status, async (c) => {
    const eventId = eventIdParam(c);
    const bearer = bearerToken(c);
    if (!bearer) throw problems.unauthorized("Send your queue token as a Bearer token");
    const keys = await loadKeys(c.env.JWT_PRIVATE_JWK);
    const claims = await verifyQueueToken(keys, "queue", bearer, eventId);
    if (!claims) throw new Problem(401, "invalid_queue_token", "Invalid queue token", "The queue token is not valid for this event; join again", {}, { "WWW-Authenticate": "Bearer" });
    await requireEventOnSale(c, eventId);
    const arrivedAt = Date.now();
    const wm = await watermark(c, eventId);
    let position = claims.position;
    let freshToken: string | undefined;
    if (position === null) {
      if (!wm.opened && Date.now() < wm.onSaleAt) {
        return c.json({ state: "waiting" as const, position: null, ahead: null, estimated_wait_seconds: Math.ceil((wm.onSaleAt - Date.now()) / 1000), opens_at: new Date(wm.onSaleAt).toISOString() }, 200);
      }
      const placed = await room(c, eventId).queuePlace(claims.userId);
      if (!placed?.position) throw new Problem(401, "invalid_queue_token", "Invalid queue token", "No place is held for this token; join again");
      position = placed.position;
      freshToken = await signQueueToken(keys, "queue", { ...claims, position }, new Date(Date.now() + QUEUE_TOKEN_TTL_MS));
    }
    if (position > wm.admittedThrough) return c.json(await waitingAnswer(c, eventId, wm, position, arrivedAt, freshToken), 200);
    const place = await room(c, eventId).queuePlace(claims.userId);
    if (place?.state === "waiting" && place.position !== null && place.position !== position) {
      // The account joined again after its turn: this token follows it to its new place.
      const fresh = await signQueueToken(keys, "queue", { ...claims, position: place.position }, new Date(Date.now() + QUEUE_TOKEN_TTL_MS));
      return c.json(await waitingAnswer(c, eventId, wm, place.position, arrivedAt, fresh), 200);
    }
    if (place?.state !== "admitted" || !place.sessionEndsAt) {
      return c.json({
        state: "expired" as const, position, ahead: 0 as const, estimated_wait_seconds: 0 as const,
        detail: "Your turn is over (you booked, or your session ran out); join again for a new place at the back of the line",
        join: `POST /api/queue/${eventId}/join`,
      }, 200);
    }
    const admittedAt = place.position ?? position;
    const accessToken = await signQueueToken(keys, "admission", { userId: claims.userId, eventId, position: admittedAt }, new Date(place.sessionEndsAt));
    return c.json({ state: "admitted" as const, position: admittedAt, ahead: 0 as const, estimated_wait_seconds: 0 as const, access_token: accessToken, session_ends_at: new Date(place.sessionEndsAt).toISOString() }, 200);
  });
