import { z } from "zod";
import { checkoutQuery } from "../domain/payment-input";
import { count } from "./common";
import { html, json, operation, problem, rateLimited, unexpected, withDatabase, withQuery } from "./operation";
import { intentParams } from "./payments";

/** Health, keys, the API's own description, and the development-only pages. */

export const healthReportSchema = z.strictObject({
  status: z.enum(["healthy", "degraded", "unhealthy"]),
  checks: z.strictObject({
    postgres: z.enum(["ok", "timeout", "unreachable", "error"]),
    signing_key: z.enum(["ok", "missing_or_malformed"]),
    payments: z.enum(["stripe", "simulator", "missing"]),
    rate_limit_store: z.enum(["workers_ratelimit"]).describe("Rate limits: the Workers rate-limiting binding"),
    revocation_store: z.enum(["upstash", "durable_object"]).describe("Where session revocations are kept"),
    bus: z.strictObject({
      mode: z.string(),
      status: z.enum(["ok", "lagging", "unknown"]),
      pending: count.nullable(),
      oldest_unpublished_age_seconds: count.nullable(),
    }),
  }),
  down: z.array(z.string()).optional().describe("What makes it unhealthy"),
  degraded: z.array(z.string()).optional().describe("What trails behind (the outbox relay)"),
}).meta({ id: "HealthReport" });

/** The public half of the signing key: a P-256 JWK (never `d`). */
export const jwksSchema = z.strictObject({
  keys: z.array(z.strictObject({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string(), kid: z.string(), alg: z.literal("ES256"), use: z.literal("sig") })),
});

export const rootSchema = z.strictObject({
  name: z.string(),
  links: z.record(z.string(), z.string()).describe("Where to go next, by name"),
});

/** An OpenAPI document (checked in full by the tests against the OpenAPI 3.1 schema). */
export const openApiDocumentSchema = z.object({ openapi: z.string().describe("`3.1.0`"), info: z.object({ title: z.string(), version: z.string() }) });

const SYSTEM = ["System"];
const DEV = ["Development"];
const devOnly = (what: string) => `Development only (${what}); elsewhere 404.`;
const script = (mediaType: "text/javascript" | "text/css", description: string) => ({ description, content: { [mediaType]: { schema: z.string() } } });

export const systemOperations = {
  root: operation({
    method: "get", path: "/", operationId: "root", tags: SYSTEM, summary: "Links to start from: health, events, search, keys, and this API's reference",
    responses: { 200: json(rootSchema, "Links"), ...unexpected },
  }),
  health: operation({
    method: "get", path: "/health", operationId: "health", tags: SYSTEM,
    summary: "Whether this deployment can do its job",
    description: "503 names what is down; 200 `degraded` when the outbox relay lags. Rate limited per IP.",
    responses: {
      200: json(healthReportSchema, "Healthy, or degraded"),
      ...rateLimited,
      ...unexpected,
      503: json(healthReportSchema, "Unhealthy: `down` names what"),
    },
  }),
  jwks: operation({
    method: "get", path: "/.well-known/jwks.json", operationId: "jwks", tags: SYSTEM,
    summary: "The public keys that verify access tokens",
    responses: { 200: json(jwksSchema, "The key set"), ...unexpected },
  }),
  openapi: operation({
    method: "get", path: "/api/openapi.json", operationId: "openapi", tags: SYSTEM,
    summary: "This document (OpenAPI 3.1)",
    responses: { 200: json(openApiDocumentSchema, "The document"), ...unexpected },
  }),
  docs: operation({
    method: "get", path: "/api/docs", operationId: "apiReference", tags: SYSTEM,
    summary: "This document as a page to read",
    responses: { 200: html("The API reference"), ...unexpected },
  }),
  checkoutPage: operation({
    method: "get", path: "/checkout/{intent_id}", operationId: "simulatorCheckout", tags: DEV, "x-development-only": true,
    summary: "The payment simulator's test checkout page (pay or decline)",
    description: devOnly("the payment simulator"),
    request: { params: intentParams, query: checkoutQuery },
    responses: { 200: html("The checkout page"), 404: problem(404, ["not_found"]), ...withQuery, ...unexpected },
  }),
  checkoutScript: operation({
    method: "get", path: "/checkout.js", operationId: "simulatorCheckoutScript", tags: DEV, "x-development-only": true,
    summary: "The checkout page's script", description: devOnly("the payment simulator"),
    responses: { 200: script("text/javascript", "The script"), 404: problem(404, ["not_found"]), ...unexpected },
  }),
  checkoutStyle: operation({
    method: "get", path: "/checkout.css", operationId: "simulatorCheckoutStyle", tags: DEV, "x-development-only": true,
    summary: "The checkout page's style sheet", description: devOnly("the payment simulator"),
    responses: { 200: script("text/css", "The style sheet"), 404: problem(404, ["not_found"]), ...unexpected },
  }),
  mailbox: operation({
    method: "get", path: "/dev/mail", operationId: "mailbox", tags: DEV, "x-development-only": true,
    summary: "The last 50 notifications sent (everyone's)", description: devOnly("and `MAILBOX_PAGE=on`"),
    responses: { 200: html("The mailbox"), 404: problem(404, ["not_found"]), ...withDatabase },
  }),
};
