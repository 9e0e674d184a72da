import { z } from "zod";
import { instantOut, queueEventParams } from "./common";
import { BEARER, json, operation, problem, signedIn, withDatabase } from "./operation";

/** The waiting room in front of a sale: /api/queue. */

const position = z.int().min(1);
const seconds = z.int().min(0);

export const queueJoinedSchema = z.strictObject({
  queue_token: z.string().describe("Send it as the Bearer token of /status polls"),
  state: z.enum(["waiting", "admitted", "expired"]),
  position: position.nullable().describe("Null before the on-sale time: early arrivals are shuffled when the sale opens"),
});

const waiting = z.strictObject({
  state: z.literal("waiting"),
  position,
  ahead: z.int().min(0),
  estimated_wait_seconds: seconds.describe("An upper bound that counts down"),
  estimated_admission_at: instantOut,
  queue_token: z.string().optional().describe("A token that now carries the place: use it for the next polls"),
});
const beforeOpening = z.strictObject({
  state: z.literal("waiting"),
  position: z.null(),
  ahead: z.null(),
  estimated_wait_seconds: seconds,
  opens_at: instantOut,
});
const admitted = z.strictObject({
  state: z.literal("admitted"),
  position,
  ahead: z.literal(0),
  estimated_wait_seconds: z.literal(0),
  access_token: z.string().describe("The admission token: send it as `Admission-Token` when booking"),
  session_ends_at: instantOut,
});
const expired = z.strictObject({
  state: z.literal("expired"),
  position,
  ahead: z.literal(0),
  estimated_wait_seconds: z.literal(0),
  detail: z.string(),
  join: z.string(),
});
export const queueStatusSchema = z.union([waiting, beforeOpening, admitted, expired]).meta({ id: "QueueStatus" });

const TAGS = ["Waiting room"];

export const queueOperations = {
  join: operation({
    method: "post", path: "/api/queue/{event_id}/join", operationId: "joinQueue", tags: TAGS, security: BEARER, "x-roles": ["user"],
    summary: "Take a place in the event's waiting room",
    description: "Joining again keeps a waiting or shopping place; after booking, or once a session ended, it gives a new place at the back.",
    request: { params: queueEventParams },
    responses: {
      201: json(queueJoinedSchema, "The place and its token"), ...signedIn,
      404: problem(404, ["event_not_on_sale", "not_found"]),
      409: problem(409, ["event_not_on_sale", "sales_closed", "queue_not_enabled"]), ...withDatabase,
    },
  }),
  status: operation({
    method: "get", path: "/api/queue/{event_id}/status", operationId: "queueStatus", tags: TAGS, security: [{ queueToken: [] }],
    summary: "Where a place in line is: waiting (with an honest wait), admitted (with the admission token), or expired",
    description: "Answered at the edge from the signed queue token: poll it as often as once a second.",
    request: { params: queueEventParams },
    responses: {
      200: json(queueStatusSchema, "The place now"),
      401: problem(401, ["unauthorized", "invalid_queue_token"]),
      404: problem(404, ["event_not_on_sale", "not_found"]),
      409: problem(409, ["event_not_on_sale"]), ...withDatabase,
    },
  }),
};
