import { z } from "zod";
import { BOOKING_STATES } from "../domain/booking-state";
import { currencySchema } from "../domain/money";
import { bookingsExportQuery, eventBookingsQuery, organizerEventsQuery } from "../domain/sales-input";
import { amountOut, count, eventIdParams, idOut, instantOut } from "./common";
import { eventSummarySchema } from "./events";
import { BEARER, json, operation, problem, rateLimited, withDatabase, withQuery, withRole } from "./operation";

/** The organizer's console: my events (drafts too) and an event's bookings, as JSON pages and as CSV. */

const nextCursor = z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page");

export const organizerEventSchema = z.strictObject({
  ...eventSummarySchema.shape,
  sold: count.describe("Seats and area places sold (confirmed bookings), as Postgres has them (a second or two behind the room)"),
}).meta({ id: "OrganizerEvent" });

export const organizerEventListSchema = z.strictObject({ events: z.array(organizerEventSchema), next_cursor: nextCursor });

export const saleSchema = z.strictObject({
  booking_id: idOut,
  user_id: idOut,
  email: z.string().describe("The buyer's e-mail"),
  name: z.string().describe("The buyer's name"),
  status: z.enum(BOOKING_STATES).describe("A hold whose time ran out reads `expired`"),
  seats: z.array(z.string()),
  area: z.string().nullable(),
  quantity: count.describe("Seats or area places"),
  total_amount: amountOut,
  currency: currencySchema,
  created_at: instantOut,
  updated_at: instantOut,
}).meta({ id: "Sale" });

export const saleListSchema = z.strictObject({
  event_id: idOut,
  bookings: z.array(saleSchema),
  total: count.describe("Bookings matching the filters"),
  next_cursor: nextCursor,
}).meta({ id: "SaleList" });

/** The CSV export's columns, in order. */
export const SALE_CSV_COLUMNS = ["booking_id", "created_at", "status", "email", "name", "seats", "area", "quantity", "total_amount", "currency"] as const;
export const MAX_EXPORT_ROWS = 100_000;

const TAGS = ["Events"];
const ORGANIZER = { security: BEARER, "x-roles": ["organizer" as const] };
const notFound = { 404: problem(404, ["not_found"]) };
const FILTERS = "Filters: `status` (a hold past its time counts as `expired`), `from`/`to` on when the booking was made (from inclusive, to exclusive), "
  + "`q` a booking id or part of the buyer's e-mail. Another organizer's event is 403 (a draft of theirs 404, as everywhere).";

export const salesOperations = {
  myEvents: operation({
    method: "get", path: "/api/organizer/events", operationId: "listMyEvents", tags: TAGS, ...ORGANIZER,
    summary: "My events, drafts and cancelled ones too, newest first (admins: everyone's)",
    request: { query: organizerEventsQuery },
    responses: { 200: json(organizerEventListSchema, "A page of events"), ...withQuery, ...withRole, ...withDatabase },
  }),
  bookings: operation({
    method: "get", path: "/api/events/{id}/bookings", operationId: "listEventBookings", tags: TAGS, ...ORGANIZER,
    summary: "The event's bookings, newest first, filtered and paged (its organizer and admins)",
    description: FILTERS,
    request: { params: eventIdParams, query: eventBookingsQuery },
    responses: { 200: json(saleListSchema, "A page of bookings"), ...withQuery, ...withRole, ...notFound, ...withDatabase },
  }),
  exportBookings: operation({
    method: "get", path: "/api/events/{id}/bookings/export", operationId: "exportEventBookings", tags: TAGS, ...ORGANIZER,
    summary: "The event's bookings as CSV, with the same filters (streamed)",
    description: `${FILTERS} Columns: ${SALE_CSV_COLUMNS.join(", ")}; UTF-8 with a byte-order mark, RFC 4180 quoting; text that a spreadsheet `
      + `would run as a formula (starting with = + - @) is prefixed with an apostrophe. At most ${MAX_EXPORT_ROWS} rows. `
      + "Rate limited per organizer and per IP (a few exports a minute).",
    request: { params: eventIdParams, query: bookingsExportQuery },
    responses: {
      200: {
        description: "The CSV file",
        content: { "text/csv": { schema: z.string() } },
        headers: { "Content-Disposition": { description: "`attachment; filename=\"bookings-<event id>.csv\"`", schema: { type: "string" as const } } },
      },
      ...withQuery, ...withRole, ...notFound, ...rateLimited, ...withDatabase,
    },
  }),
};
