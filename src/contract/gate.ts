import { z } from "zod";
import { queryInt } from "../domain/input";
import { MAX_CODE_CHARS } from "../domain/tickets/code";
import { count, eventIdParams, instantOut } from "./common";
import { BEARER, json, jsonBody, operation, problem, withDatabase, withJsonBody, withQuery, withRole } from "./operation";

/** Gates: online scans, the offline manifest and its deltas, offline sync; the organizer's check-in figures. */

const uuid = z.uuid();
export const gateEventParams = z.object({ event_id: uuid.describe("The event's id") });
const gateId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/);

export const scanBody = z.strictObject({
  code: z.string().min(1).max(MAX_CODE_CHARS).describe("The displayed code (`TP1:` + base32)"),
  gate_id: gateId,
  direction: z.enum(["in", "out"]).default("in").describe("`out` only matters with re-entry on"),
});

const firstScan = z.strictObject({ scanned_at: instantOut, gate_id: z.string() });
export const scanResultSchema = z.strictObject({
  result: z.enum(["admitted", "exited", "already_used", "invalid", "expired_code", "not_yet_valid", "revoked"]),
  reason: z.string().optional(),
  ticket: z.strictObject({ ticket_id: uuid, label: z.string(), version: z.int().min(1) }).nullable(),
  first_scan: firstScan.optional().describe("With `already_used`: the scan that admitted the ticket"),
  reentry: z.boolean().optional(),
}).meta({ id: "ScanResult" });

export const MAX_SYNC_SCANS = 1000;
export const syncBody = z.strictObject({
  gate_id: gateId,
  scans: z.array(z.strictObject({
    ticket_id: uuid,
    scanned_at: z.iso.datetime().describe("The gate's clock when it scanned"),
    nonce: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/).describe("Unique per gate: a replayed scan is answered as before and changes nothing"),
    direction: z.enum(["in", "out"]).default("in"),
    local: z.enum(["admitted", "refused"]).describe("What the gate decided on its own"),
  })).min(1).max(MAX_SYNC_SCANS),
});

const syncDecision = z.strictObject({
  result: z.enum(["admitted", "exited", "already_used", "conflict", "rejected"]),
  reentry: z.boolean().optional(),
  reason: z.enum(["nonce_reused", "unknown_ticket"]).optional(),
  first_scan: firstScan.nullable().optional(),
});
export const syncResultSchema = z.strictObject({ results: z.array(syncDecision).describe("One per scan, in order; `conflict` is a double entry") });

const b64 = z.string().regex(/^[A-Za-z0-9_-]*$/);
const publicJwk = z.strictObject({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string(), kid: z.string(), alg: z.literal("ES256"), use: z.literal("sig") });
export const manifestOut = z.strictObject({
  format: z.literal("tp-manifest-1"), event_id: uuid, generated_at: instantOut, cursor: count, keys: z.array(publicJwk),
  ticket_count: count, ticket_prefixes: b64, revocations: b64,
}).meta({ id: "GateManifest" });
export const deltaOut = z.strictObject({
  format: z.literal("tp-delta-1"), event_id: uuid, from: count, to: count, revocations: b64, added: b64,
}).meta({ id: "RevocationDelta" });
// Digits only: "", " 1", "0x10" or "1e3" are refused, not read as some number.
export const deltaQuery = z.strictObject({ cursor: queryInt(0, 2 ** 31).default(0) });

export const checkInStatsSchema = z.strictObject({
  tickets: count, admitted: count, inside: count, conflicts: count, scans: count.describe("Offline scans synced"), reentry: z.boolean(),
  doors_opened_at: instantOut.nullable().describe("The first entry at any gate; null until then"),
  no_shows: count.nullable().describe("Valid tickets not admitted yet, once doors are open (null before)"),
  gates: z.array(z.strictObject({
    gate_id: z.string(),
    entries: count.describe("Entries at this gate, all day"),
    per_minute: z.array(z.strictObject({ minute: instantOut, entries: count })).describe("The last hour's minutes with entries, oldest first"),
  })).describe("The busiest 50 gates"),
}).meta({ id: "CheckInStats" });

const TAGS = ["Gates"];
/** The event's organizer, admins, and the event's gate accounts (a gate account of another event is refused). */
const GATES = { security: BEARER, "x-roles": ["organizer" as const, "gate" as const] };
const STAFF = { security: BEARER, "x-roles": ["organizer" as const] };
const gateProblems = { ...withRole, 404: problem(404, ["not_found"]), ...withDatabase };

export const gateOperations = {
  scan: operation({
    method: "post", path: "/api/gate/{event_id}/scan", operationId: "scanTicket", tags: TAGS, ...GATES,
    summary: "Scan a ticket code online: the first scan admits, later ones are `already_used`",
    request: { params: gateEventParams, body: jsonBody(scanBody) },
    responses: {
      200: json(scanResultSchema, "The decision"), ...withJsonBody, ...gateProblems,
      422: problem(422, ["validation_failed", "invalid_code"]),
    },
  }),
  sync: operation({
    method: "post", path: "/api/gate/{event_id}/sync", operationId: "syncGateScans", tags: TAGS, ...GATES,
    summary: "Upload an offline gate's queued scans (idempotent by gate and nonce)",
    request: { params: gateEventParams, body: jsonBody(syncBody) },
    responses: { 200: json(syncResultSchema, "One decision per scan"), ...withJsonBody, ...gateProblems },
  }),
  manifest: operation({
    method: "get", path: "/api/gate/{event_id}/manifest", operationId: "gateManifest", tags: TAGS, ...GATES,
    summary: "What an offline gate needs: public keys, ticket id prefixes, revocation floors (no personal data)",
    request: { params: gateEventParams },
    responses: { 200: json(manifestOut, "The manifest"), ...gateProblems, 409: problem(409, ["no_signing_key"]) },
  }),
  revocations: operation({
    method: "get", path: "/api/gate/{event_id}/revocations", operationId: "revocationDelta", tags: TAGS, ...GATES,
    summary: "Revocations and new tickets since a cursor",
    request: { params: gateEventParams, query: deltaQuery },
    responses: { 200: json(deltaOut, "The delta"), ...withQuery, ...gateProblems, 409: problem(409, ["cursor_ahead"]) },
  }),
  checkIns: operation({
    method: "get", path: "/api/events/{id}/check-ins", operationId: "eventCheckIns", tags: TAGS, ...STAFF,
    summary: "Check-in figures for the organizer: entries, people inside, offline double entries",
    request: { params: eventIdParams },
    responses: { 200: json(checkInStatsSchema, "The figures"), ...gateProblems },
  }),
};
