import type { Refusal, RoomResult } from "../../durable-objects/event-room/contract";
import { Problem } from "../problem";

const TITLES: Record<Refusal["status"], string> = { 403: "Forbidden", 404: "Not found", 409: "Conflict", 422: "Unprocessable request" };

/** An EventRoom refusal as a problem document: the one place where the room's "no" becomes HTTP. */
export function refusalProblem(r: Refusal): Problem {
  const extras: Record<string, unknown> = { ...r.extras, ...(r.unavailable_seats ? { unavailable_seats: r.unavailable_seats } : {}) };
  if (r.code === "queue_required" || r.code === "admission_expired") extras.join = "POST /api/queue/{event_id}/join";
  return new Problem(r.status, r.code, TITLES[r.status], r.detail, extras);
}

/** The value of a room call, or its refusal thrown as the problem the client gets. */
export function unwrap<T>(result: RoomResult<T>): T {
  if (result.ok) return result.value;
  throw refusalProblem(result);
}
