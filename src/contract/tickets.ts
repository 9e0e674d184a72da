import { z } from "zod";
import { idOut, instantOut } from "./common";
import { BEARER, json, jsonBody, operation, problem, signedIn, withDatabase, withJsonBody } from "./operation";

/** The holder's wallet and device binding: /api/tickets (docs/tickets.md). */

const uuid = z.uuid();
export const ticketIdParams = z.object({ id: uuid.describe("The ticket's id") });

export const ticketSchema = z.strictObject({
  ticket_id: idOut,
  event_id: idOut,
  booking_id: idOut,
  item_id: z.string().describe("The seat (`A-1-3`) or the area place (`FLOOR#2`)"),
  status: z.enum(["valid", "void"]),
  issued_at: instantOut,
}).meta({ id: "Ticket" });

export const walletSchema = z.strictObject({ tickets: z.array(ticketSchema) });

/** A phone's P-256 public key: the raw export (65 bytes, or 33 compressed) as base64url. */
export const bindDeviceBody = z.strictObject({
  public_key: z.string().min(40).max(100).regex(/^[A-Za-z0-9_-]+$/).describe("`crypto.subtle.exportKey(\"raw\", publicKey)` as base64url"),
});

export const boundCoreSchema = z.strictObject({
  ticket_id: idOut,
  version: z.int().min(1).describe("Every older core of this ticket is revoked"),
  core: z.string().describe("The issuer-signed core (base64url): the phone appends a timestamp and its signature to make the displayed code"),
  kid: z.string(),
  valid_from: instantOut,
  valid_until: instantOut,
}).meta({ id: "TicketCore" });

export const ticketStateSchema = z.strictObject({
  ticket_id: idOut,
  status: z.enum(["valid", "used", "void"]).describe("`used`: a gate admitted it; `void`: refunded or cancelled"),
  version: z.int().min(0).describe("The newest core's version (0: never bound): a phone holding an older core was replaced by another phone"),
  checked_in_at: instantOut.nullable().describe("When a gate first admitted it"),
}).meta({ id: "TicketState" });

const TAGS = ["Tickets"];
const HOLDER = { security: BEARER, "x-roles": ["user" as const] };
const notFound = { 404: problem(404, ["not_found"]) };

export const ticketOperations = {
  list: operation({
    method: "get", path: "/api/tickets", operationId: "listTickets", tags: TAGS, ...HOLDER,
    summary: "My tickets (the wallet)",
    responses: { 200: json(walletSchema, "Every ticket of the caller's confirmed bookings"), ...signedIn, ...withDatabase },
  }),
  get: operation({
    method: "get", path: "/api/tickets/{id}", operationId: "getTicket", tags: TAGS, ...HOLDER,
    summary: "One of my tickets",
    request: { params: ticketIdParams },
    responses: { 200: json(ticketSchema, "The ticket"), ...signedIn, ...notFound, ...withDatabase },
  }),
  state: operation({
    method: "get", path: "/api/tickets/{id}/state", operationId: "getTicketState", tags: TAGS, ...HOLDER,
    summary: "My ticket's live state, from its event's room: used, refunded, or moved to another phone",
    request: { params: ticketIdParams },
    responses: { 200: json(ticketStateSchema, "The ticket's state now"), ...signedIn, ...notFound, ...withDatabase },
  }),
  bindDevice: operation({
    method: "post", path: "/api/tickets/{id}/device", operationId: "bindTicketDevice", tags: TAGS, ...HOLDER,
    summary: "Bind the ticket to this phone's key and get its signed core",
    description: "Binding again (a new phone) revokes every older core of the ticket. Limited per ticket per day (`DEVICE_BINDS_PER_DAY`).",
    request: { params: ticketIdParams, body: jsonBody(bindDeviceBody) },
    responses: {
      200: json(boundCoreSchema, "The signed core for this phone"), ...withJsonBody, ...signedIn, ...notFound,
      409: problem(409, ["ticket_revoked", "rebind_limit"]),
      422: problem(422, ["validation_failed", "invalid_device_key"]), ...withDatabase,
    },
  }),
};
