import { z } from "zod";
import { accountEmail } from "../domain/auth-input";
import { eventIdParams, idOut, instantOut } from "./common";
import { BEARER, json, jsonBody, operation, problem, rateLimited, signedIn, withDatabase, withJsonBody, withRole } from "./operation";

/** The holder's wallet, device binding and transfer: /api/tickets; the organizer's ticket settings (docs/tickets.md). */

const uuid = z.uuid();
export const ticketIdParams = z.object({ id: uuid.describe("The ticket's id") });

export const ticketSchema = z.strictObject({
  ticket_id: idOut,
  event_id: idOut,
  booking_id: idOut.nullable().describe("Your booking that bought it; null on a ticket given to you (the booking is the buyer's, not yours)"),
  item_id: z.string().describe("The seat (`A-1-3`) or the area place (`FLOOR#2`)"),
  status: z.enum(["valid", "used", "void", "transferred"])
    .describe("`valid`: admits its holder; `used`: admitted at a gate; `void`: refunded or cancelled; `transferred`: you gave it to another account"),
  issued_at: instantOut.describe("When it became yours: issued when your booking was paid, or given to you (`received_at`)"),
  received_at: instantOut.optional().describe("On a ticket given to you by another account: when you got it (who gave it and what they paid stay theirs)"),
  transferred_at: instantOut.optional().describe("With `transferred`: when you gave it away"),
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

/** The recipient by the email of their account (compared case-insensitively, as accounts are). */
export const transferBody = z.strictObject({
  email: accountEmail.describe("The recipient's account email"),
});

export const transferResultSchema = z.strictObject({
  ticket_id: idOut,
  event_id: idOut,
  item_id: z.string(),
  status: z.literal("transferred"),
  transferred_at: instantOut,
}).meta({ id: "TicketTransfer" });

export const ticketSettingsSchema = z.strictObject({
  reentry: z.boolean().describe("A scan `out` lets the ticket in again (default off)"),
  transfers: z.boolean().describe("Holders may transfer tickets to other accounts (default on)"),
}).meta({ id: "TicketSettings" });

export const ticketStateSchema = z.strictObject({
  ticket_id: idOut,
  status: z.enum(["valid", "used", "void", "transferred"]).describe("`used`: a gate admitted it; `void`: refunded or cancelled; `transferred`: the caller gave it to another account"),
  version: z.int().min(0).describe("The newest core's version (0: never bound): a phone holding an older core was replaced by another phone"),
  checked_in_at: instantOut.nullable().describe("When a gate first admitted it"),
}).meta({ id: "TicketState" });

const TAGS = ["Tickets"];
const HOLDER = { security: BEARER, "x-roles": ["user" as const] };
const notFound = { 404: problem(404, ["not_found"]) };
const ORGANIZER = { security: BEARER, "x-roles": ["organizer" as const] };

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
  transfer: operation({
    method: "post", path: "/api/tickets/{id}/transfer", operationId: "transferTicket", tags: TAGS, ...HOLDER,
    summary: "Give the ticket to another account",
    description: "The recipient must have an account (by its email). Your codes stop admitting at once (and at offline gates after their next delta); "
      + "the recipient opens the ticket and binds their own phone. Refused once the ticket was used, refunded or cancelled, after the event started, "
      + "and when the organizer switched transfers off. Both of you get an email. Rate limited per sender.",
    request: { params: ticketIdParams, body: jsonBody(transferBody) },
    responses: {
      200: json(transferResultSchema, "Transferred"), ...withJsonBody, ...signedIn,
      404: problem(404, ["not_found", "recipient_not_found"]),
      409: problem(409, ["ticket_transferred", "ticket_revoked", "refund_pending", "ticket_used", "transfers_disabled", "event_started"]),
      422: problem(422, ["validation_failed", "self_transfer", "recipient_not_eligible"]), ...rateLimited, ...withDatabase,
    },
  }),
  getSettings: operation({
    method: "get", path: "/api/events/{id}/ticket-settings", operationId: "getTicketSettings", tags: TAGS, ...ORGANIZER,
    summary: "The event's ticket settings (re-entry, transfers)",
    request: { params: eventIdParams },
    responses: { 200: json(ticketSettingsSchema, "The settings"), ...withRole, ...notFound, ...withDatabase },
  }),
  putSettings: operation({
    method: "put", path: "/api/events/{id}/ticket-settings", operationId: "setTicketSettings", tags: TAGS, ...ORGANIZER,
    summary: "Set the event's ticket settings (re-entry, transfers)",
    request: { params: eventIdParams, body: jsonBody(ticketSettingsSchema) },
    responses: { 200: json(ticketSettingsSchema, "The settings as stored"), ...withJsonBody, ...withRole, ...notFound, ...withDatabase },
  }),
};
