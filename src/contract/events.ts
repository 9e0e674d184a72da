import { z } from "zod";
import { CATEGORIES, createEventSchema, listEventsQuery, updateEventSchema } from "../domain/event-input";
import { currencySchema } from "../domain/money";
import { seatMapSchema } from "../domain/seat-map";
import { queueSettingsSchema } from "../domain/waiting-room";
import { amountOut, count, eventIdParams, idOut, instantOut } from "./common";
import { BEARER, json, jsonBody, operation, problem, rateLimited, withDatabase, withJsonBody, withQuery, withRole } from "./operation";

/** Events, their seats, sales figures and waiting-room settings: /api/events. */

const eventFields = {
  event_id: idOut,
  organizer_id: idOut,
  title: z.string(),
  description: z.string(),
  category: z.enum(CATEGORIES),
  venue: z.string(),
  location: z.string(),
  start_date: instantOut,
  end_date: instantOut.nullable(),
  currency: currencySchema,
  status: z.enum(["draft", "published", "cancelled"]),
  refund_window_hours: z.int().min(0),
  rescheduled_at: instantOut.nullable().describe("When the start last moved after publishing (buyers then keep a refund window of their own)"),
  refund_closes_at: instantOut.describe("Until when a buyer may ask for a refund of their own"),
  min_price: amountOut,
  max_price: amountOut,
  total_seats: count,
  created_at: instantOut,
  updated_at: instantOut,
};

/** An event in lists (no seat map). */
export const eventSummarySchema = z.strictObject(eventFields).meta({ id: "EventSummary" });
/** An event with its seat map. */
export const eventSchema = z.strictObject({
  ...eventFields,
  seat_map: seatMapSchema,
  waiting_room: z.strictObject({ on_sale_at: instantOut, session_minutes: z.int().min(1) }).nullable()
    .describe("Set when buyers queue first (`/api/queue/{event_id}/join`) and book with the admission token; null when they book directly"),
}).meta({ id: "Event" });

export const eventListSchema = z.strictObject({ events: z.array(eventSummarySchema), page: z.int().min(1), page_size: z.int().min(1), total: count });

export const seatStatusSchema = z.enum(["available", "held", "sold"]);
export const seatsSchema = z.strictObject({
  event_id: idOut,
  currency: currencySchema,
  seats: z.array(z.strictObject({ seat_id: z.string(), section: z.string(), row: z.string(), number: z.int().min(1), price: amountOut, status: seatStatusSchema })),
  areas: z.array(z.strictObject({ name: z.string(), price: amountOut, capacity: count, available: count })),
}).meta({ id: "SeatAvailability" });

const tally = z.strictObject({ available: count, held: count, sold: count });
export const statsSchema = z.strictObject({
  event_id: idOut,
  currency: currencySchema,
  status: z.enum(["unconfigured", "on_sale", "cancelled"]).describe("The room's state: `unconfigured` until the event is published"),
  seats: tally,
  areas: tally,
  bookings: z.strictObject({ reserved: count, confirmed: count, cancelled: count, expired: count, refunded: count }),
  revenue: amountOut.describe("Confirmed bookings' total"),
  outbox_pending: count,
  queue: z.strictObject({ joined: count, waiting: count, admitted: count, active: count }),
}).meta({ id: "EventStats" });

export const queueSettingsView = z.strictObject({ event_id: idOut, ...queueSettingsSchema.shape }).meta({ id: "QueueSettings" });

/** The live feed's query: browsers cannot set headers on a WebSocket, so the token may come here. */
export const liveFeedQuery = z.object({ access_token: z.string().optional().describe("The organizer's access token, when it cannot be sent as `Authorization`") });

/** The event page and the seat map are answered from the edge's copies (src/routes/event-reads.ts). */
export const conditionalReadHeaders = z.object({
  "If-None-Match": z.string().optional().describe("The `ETag` of a copy the client holds: 304 without a body while it is current"),
});
const edgeCopyHeaders = {
  ETag: { description: "Names this body; send it as `If-None-Match` to revalidate", schema: { type: "string" as const } },
  "Cache-Control": { description: "`public, max-age=0, must-revalidate` (the edge already serves a copy up to a few seconds old); `private, no-store` for a draft", schema: { type: "string" as const } },
  Age: { description: "Seconds since the edge's copy was made", schema: { type: "integer" as const } },
  "X-Edge-Cache": { description: "`hit` (a copy), `miss` (this request made it), `shared` (made by a request in flight at the same time), `bypass` (a draft: never kept)", schema: { type: "string" as const } },
};
const notModified = { 304: { description: "Not Modified: the copy named by `If-None-Match` is current", headers: edgeCopyHeaders } };

const TAGS = ["Events"];
const ORGANIZER = { security: BEARER, "x-roles": ["organizer" as const] };
const notFound = { 404: problem(404, ["not_found"]) };
const eventReads = { ...rateLimited, ...withDatabase };

export const eventOperations = {
  list: operation({
    method: "get", path: "/api/events", operationId: "listEvents", tags: TAGS,
    summary: "Published events, soonest first",
    request: { query: listEventsQuery },
    responses: { 200: json(eventListSchema, "A page of events"), ...withQuery, ...eventReads },
  }),
  create: operation({
    method: "post", path: "/api/events", operationId: "createEvent", tags: TAGS, ...ORGANIZER,
    summary: "Create a draft event with its seat map",
    description: "Sales stop at `start_date`, so it must be in the future (422 on `start_date`). The body may be up to 512 KiB (large seat maps).",
    request: { body: jsonBody(createEventSchema) },
    responses: { 201: json(eventSchema, "The draft"), ...withJsonBody, ...withRole, ...withDatabase },
  }),
  get: operation({
    method: "get", path: "/api/events/{id}", operationId: "getEvent", tags: TAGS, security: [{}, ...BEARER],
    summary: "An event (a draft only to its organizer)",
    description: "Answered from the edge's copy, at most 5 s old (an organizer's change is seen at once where it was made). Drafts are never copied.",
    request: { params: eventIdParams, headers: conditionalReadHeaders },
    responses: { 200: { ...json(eventSchema, "The event"), headers: edgeCopyHeaders }, ...notModified, ...notFound, ...eventReads },
  }),
  update: operation({
    method: "put", path: "/api/events/{id}", operationId: "updateEvent", tags: TAGS, ...ORGANIZER,
    summary: "Change an event",
    description: "The seat map and currency are fixed once published. A new start must be in the future (422 on `start_date`). Once published, "
      + "`refund_window_hours` may be raised, not lowered (409 `refund_window_lowered`); moving the start sets `rescheduled_at` and never closes "
      + "buyers' refunds (`refund_closes_at`); buyers are told (the `EventUpdated` message carries `previous_start_date` and `refund_closes_at`).",
    request: { params: eventIdParams, body: jsonBody(updateEventSchema) },
    responses: {
      200: json(eventSchema, "The event as changed"), ...withJsonBody, ...withRole, ...notFound,
      409: problem(409, ["event_cancelled", "seat_map_locked", "currency_locked", "refund_window_lowered", "event_changed"]),
      ...withDatabase,
    },
  }),
  publish: operation({
    method: "post", path: "/api/events/{id}/publish", operationId: "publishEvent", tags: TAGS, ...ORGANIZER,
    summary: "Put an event on sale (idempotent)",
    description: "An event that has started cannot be published (409 `event_started`); once it starts, its room answers 409 `sales_closed`.",
    request: { params: eventIdParams },
    responses: {
      200: json(eventSchema, "The published event"), ...withRole, ...notFound,
      409: problem(409, ["event_cancelled", "event_started", "event_changed"]), ...withDatabase,
    },
  }),
  cancel: operation({
    method: "post", path: "/api/events/{id}/cancel", operationId: "cancelEvent", tags: TAGS, ...ORGANIZER,
    summary: "Cancel an event: sales stop and every paid booking is refunded (idempotent)",
    request: { params: eventIdParams },
    responses: { 200: json(eventSchema, "The cancelled event"), ...withRole, ...notFound, ...withDatabase },
  }),
  seats: operation({
    method: "get", path: "/api/events/{id}/seats", operationId: "getSeats", tags: TAGS, security: [{}, ...BEARER],
    summary: "Every seat's status and price, and each area's places left",
    description: "Answered from the edge's copy, at most 1 s old (the room is asked only whether it changed since), so a seat just taken may show as available for up to a second; the room decides every booking.",
    request: { params: eventIdParams, headers: conditionalReadHeaders },
    responses: { 200: { ...json(seatsSchema, "The seat map (at most 1 s old)"), headers: edgeCopyHeaders }, ...notModified, ...notFound, ...eventReads },
  }),
  stats: operation({
    method: "get", path: "/api/events/{id}/stats", operationId: "getEventStats", tags: TAGS, ...ORGANIZER,
    summary: "Sold, held and available seats, revenue, bookings by state, queue counts",
    request: { params: eventIdParams },
    responses: { 200: json(statsSchema, "The figures now"), ...withRole, ...notFound, ...eventReads },
  }),
  getQueue: operation({
    method: "get", path: "/api/events/{id}/queue", operationId: "getQueueSettings", tags: ["Waiting room"], ...ORGANIZER,
    summary: "The event's waiting-room settings",
    request: { params: eventIdParams },
    responses: { 200: json(queueSettingsView, "The settings (defaults if never set)"), ...withRole, ...notFound, ...eventReads },
  }),
  putQueue: operation({
    method: "put", path: "/api/events/{id}/queue", operationId: "setQueueSettings", tags: ["Waiting room"], ...ORGANIZER,
    summary: "Set the event's waiting room: on/off, on-sale time, admissions a minute, shoppers at once, session length",
    request: { params: eventIdParams, body: jsonBody(queueSettingsSchema) },
    responses: {
      200: json(queueSettingsView, "The settings as stored"), ...withJsonBody, ...withRole, ...notFound,
      409: problem(409, ["event_cancelled"]), ...withDatabase,
    },
  }),
  live: operation({
    method: "get", path: "/api/events/{id}/queue/live", operationId: "watchQueue", tags: ["Waiting room"], ...ORGANIZER,
    summary: "The organizer's live feed (WebSocket)",
    description: "Upgrade to a WebSocket. On connect the server sends a `counts` frame and a `history` frame (the last hour in 5-second samples), then a `counts` frame "
      + "every second with `{joined, waiting, admitted, active, held, sold, available}` and the latest `sample` (src/contract/live.ts describes both frames), "
      + "and closes with code 4401 when the token expires or the session is signed out; send `{\"type\":\"token\",\"access_token\":…}` to extend it.",
    request: { params: eventIdParams, query: liveFeedQuery },
    responses: {
      101: { description: "Switching Protocols: the feed is open" },
      400: problem(400, ["bad_request"], "Not a WebSocket upgrade"), ...withRole, ...notFound, ...eventReads,
    },
  }),
};
