import { z } from "zod";
import { text } from "../domain/input";
import { count, idOut, instantOut } from "./common";
import { BEARER, json, jsonBody, operation, problem, rateLimited, withDatabase, withJsonBody, withRole } from "./operation";

/** Gate accounts: staff logins of one event, made by its organizer, for the gate routes of that event only. */

const uuid = z.uuid();
export const gateAccountParams = z.object({ id: uuid.describe("The event's id") });
export const gateAccountItemParams = z.object({ id: uuid.describe("The event's id"), account_id: uuid.describe("The gate account's id") });

export const createGateAccountBody = z.strictObject({
  label: text({ min: 1, max: 64 }).describe("Who or where this login is for (\"North gate, lane 3\"); shown to the organizer only"),
});

const accountFields = {
  account_id: idOut,
  event_id: idOut,
  label: z.string(),
  login: z.email().describe("The login id for POST /api/auth/login (`email`): random, unrelated to the event or the label"),
  enabled: z.boolean(),
  created_at: instantOut,
  disabled_at: instantOut.nullable(),
};
export const gateAccountSchema = z.strictObject(accountFields).meta({ id: "GateAccount" });
export const newGateAccountSchema = z.strictObject({
  ...accountFields,
  password: z.string().describe("Shown this once and never again (only its hash is kept): hand it to the gate staff now"),
}).meta({ id: "NewGateAccount" });
export const gateAccountListSchema = z.strictObject({
  event_id: idOut,
  accounts: z.array(gateAccountSchema).describe("Oldest first, disabled ones too (no secrets)"),
  enabled: count.describe("Enabled accounts now"),
  limit: count.describe("How many may be enabled at once (`GATE_ACCOUNTS_PER_EVENT`)"),
}).meta({ id: "GateAccountList" });

const TAGS = ["Gates"];
const ORGANIZER = { security: BEARER, "x-roles": ["organizer" as const] };
const notFound = { 404: problem(404, ["not_found"]) };

export const gateAccountOperations = {
  create: operation({
    method: "post", path: "/api/events/{id}/gate-accounts", operationId: "createGateAccount", tags: TAGS, ...ORGANIZER,
    summary: "Make a gate account for this event: a login and a password shown exactly once",
    description: "The account signs in with POST /api/auth/login and may then only scan, sync, and read the manifest and revocations of this event. "
      + "At most `GATE_ACCOUNTS_PER_EVENT` (200 by default) may be enabled at once. Rate limited per organizer.",
    request: { params: gateAccountParams, body: jsonBody(createGateAccountBody) },
    responses: {
      201: {
        ...json(newGateAccountSchema, "The account with its one-time password"),
        headers: { "Cache-Control": { description: "`no-store`: the password must not be kept by any cache", schema: { type: "string" as const } } },
      },
      ...withJsonBody, ...withRole, ...notFound,
      409: problem(409, ["gate_account_limit", "event_cancelled"]), ...rateLimited, ...withDatabase,
    },
  }),
  list: operation({
    method: "get", path: "/api/events/{id}/gate-accounts", operationId: "listGateAccounts", tags: TAGS, ...ORGANIZER,
    summary: "This event's gate accounts (no passwords)",
    request: { params: gateAccountParams },
    responses: { 200: json(gateAccountListSchema, "The accounts"), ...withRole, ...notFound, ...withDatabase },
  }),
  disable: operation({
    method: "delete", path: "/api/events/{id}/gate-accounts/{account_id}", operationId: "disableGateAccount", tags: TAGS, ...ORGANIZER,
    summary: "Disable a gate account for good (idempotent): its sessions end at once, as on logout, and it can no longer sign in",
    request: { params: gateAccountItemParams },
    responses: { 200: json(gateAccountSchema, "The account, disabled"), ...withRole, ...notFound, ...withDatabase },
  }),
};
