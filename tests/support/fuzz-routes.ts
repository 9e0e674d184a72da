/**
 * How the fuzz test makes requests for every route of the app. Each route names its inputs (path
 * ids, query, body, headers) by the same zod schemas the route validates with; the generators
 * mix real ids and tokens (so requests reach real rows), near-misses and hostile values.
 */
import fc from "fast-check";
import type { z } from "zod";
import { loginBody, refreshBody, registerBody, updateProfileBody } from "../../src/domain/auth-input";
import { admissionTokenHeader, createBookingBody, idempotencyKeyHeader, listBookingsQuery } from "../../src/domain/booking-input";
import { createEventSchema, listEventsQuery, updateEventSchema } from "../../src/domain/event-input";
import { checkoutQuery, reconcileQuery, simulatorCompleteBody, webhookEventSchemas } from "../../src/domain/payment-input";
import { autocompleteQuery, searchQuery } from "../../src/domain/search-input";
import { queueSettingsSchema } from "../../src/domain/waiting-room";
import { fuzzValue, hostileString, jsonSchemaOf, toJsonText, validValue, type JsonSchema, type ValuePools } from "./json-schema-arbitrary";
import { signPayload } from "./stripe";

/** A request as sent: the path already encoded, the query as pairs (so a key may repeat). */
export interface FuzzRequest {
  method: string;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** Sent as a WebSocket upgrade (the live queue feed). */
  websocket?: boolean;
}

/** Real things the generators reuse: accounts' tokens, ids that exist, secrets that match. */
export interface FuzzWorld {
  tokens: { fan: string; organizer: string; admin: string; expired: string; foreign: string };
  eventIds: string[];
  bookingIds: string[];
  intentIds: string[];
  clientSecrets: string[];
  queueTokens: string[];
  admissionTokens: string[];
  pools: ValuePools;
}

type Kind = "event" | "booking" | "intent";
type RouteFuzzer = (w: FuzzWorld) => fc.Arbitrary<FuzzRequest>;

// ---------------------------------------------------------------------------------------------
// Parts of a request

/** URL-encodes text that may hold lone surrogates (encodeURIComponent throws on those). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text].map((ch) => (/[\ud800-\udfff]/.test(ch) ? "%ED%A0%80" : encodeURIComponent(ch))).join("");
  }
}

/** `?k=v&…` for query pairs (a key may repeat), or nothing. */
export function encodeQuery(pairs: [string, string][]): string {
  return pairs.length ? `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&")}` : "";
}

/** Percent sequences a careless decoder chokes on: truncated, invalid, overlong, encoded NUL and slashes. */
const rawJunk = fc.constantFrom("%", "%zz", "%E0%A4%A", "%C0%AF", "%00", "%FF%FE", "%2F..%2F", "%25", "a%0Ab", "%ED%A0%80");

function pathSegment(w: FuzzWorld, kind: Kind): fc.Arbitrary<string> {
  const real = kind === "event" ? w.eventIds : kind === "booking" ? w.bookingIds : w.intentIds;
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => id.toUpperCase()) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom("-".repeat(36), "z".repeat(36), "00000000-0000-0000-0000-00000000000g", "12345678-1234-1234-1234-123456789012", "pi_", "pi_sim_", "pi_a'b") },
    { weight: 2, arbitrary: hostileString.map((s) => encode(s.slice(0, QUERY_VALUE_MAX))) },
    { weight: 1, arbitrary: rawJunk },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom("a".repeat(4000), encode("한".repeat(600))) },
  );
}

/** `template` with each `:param` filled by a segment of its kind. */
function pathFor(w: FuzzWorld, template: string, kinds: Record<string, Kind>): fc.Arbitrary<string> {
  const names = [...template.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  if (!names.length) return fc.constant(template);
  return fc.tuple(...names.map((n) => pathSegment(w, kinds[n] ?? "event")))
    .map((segments) => names.reduce((path, n, i) => path.replace(`:${n}`, segments[i]!), template));
}

/**
 * Query values stay far above every limit in our schemas (100 characters at most) but under the
 * platform's own URL limit, which answers before the app does (and not with problem+json).
 */
const QUERY_VALUE_MAX = 600;

/** Any value as query-string text. */
const asQueryText = (v: unknown): string => (typeof v === "string" ? v : toJsonText(v));

/** Query pairs from `schema`'s fuzzed values; sometimes a key twice, an unknown key, or raw junk. */
function queryFor(schema: z.ZodType | null, pools: ValuePools): fc.Arbitrary<[string, string][]> {
  const junk = fc.array(fc.tuple(fc.constantFrom("q", "page", "__proto__", "x[y]", "", "a".repeat(300)), hostileString.map((s) => s.slice(0, QUERY_VALUE_MAX))), { maxLength: 2 });
  if (!schema) return fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: junk });
  const value = fuzzValue(jsonSchemaOf(schema), pools);
  return fc.tuple(value, fc.boolean(), junk, fc.nat(9)).map(([v, repeat, extra, roll]) => {
    const pairs: [string, string][] = v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.entries(v).map(([k, x]) => [k, asQueryText(x).slice(0, QUERY_VALUE_MAX)])
      : [["q", asQueryText(v).slice(0, QUERY_VALUE_MAX)]];
    if (repeat && pairs[0]) pairs.push([pairs[0][0], pairs[0][1]]);
    return roll === 0 ? [...pairs, ...extra] : pairs;
  });
}

function authHeader(w: FuzzWorld, preferred: (keyof FuzzWorld["tokens"])[]): fc.Arbitrary<Record<string, string>> {
  const garbage = fc.constantFrom("Bearer", "Bearer ", "Bearer a.b.c", "Basic dXNlcjpwYXNz", `Bearer ${"x".repeat(5000)}`, "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "bearer\t\tzz", "Bearer é");
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...preferred).map((k) => ({ authorization: `Bearer ${w.tokens[k]}` })) },
    { weight: 2, arbitrary: fc.constantFrom(...(Object.keys(w.tokens) as (keyof FuzzWorld["tokens"])[])).map((k) => ({ authorization: `Bearer ${w.tokens[k]}` })) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: garbage.map((v) => ({ authorization: v })) },
  );
}

/** Header text fetch can send (a ByteString without NUL, CR or LF), from any string. */
const headerText = (s: string) => s.replace(/[^\x20-\x7e\x80-\xff\t]/g, "?").slice(0, 6000);

/** A header that is valid, garbage, or missing. */
function headerFor(name: string, schema: z.ZodType, pools: ValuePools, real: string[] = []): fc.Arbitrary<Record<string, string>> {
  const valid: fc.Arbitrary<unknown> = real.length ? fc.oneof(fc.constantFrom(...real), validValue(jsonSchemaOf(schema), pools)) : validValue(jsonSchemaOf(schema), pools);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    { weight: 2, arbitrary: valid.map((v) => ({ [name]: headerText(String(v)) })) },
    { weight: 2, arbitrary: hostileString.map((s) => ({ [name]: headerText(s) })) },
  );
}

const contentTypes = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  { weight: 1, arbitrary: fc.constantFrom("application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "") },
);

/** Bodies that are not (valid, UTF-8, small) JSON at all. */
const brokenBody: fc.Arbitrary<string | Uint8Array<ArrayBuffer>> = fc.oneof(
  fc.constantFrom("", "{", "[]", "null", "\"x\"", "1", "true", "\ufeff{}", "{\"a\":1,\"a\":2}", "{'a':1}", "NaN", "-0", "1e400"),
  fc.constant(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d])),
  fc.constant(`{"x":"${"a".repeat(70 * 1024)}"}`),
);

/** JSON bodies from `schema` (valid, near-valid, hostile), now and then not JSON at all. */
function bodyFor(schema: z.ZodType, pools: ValuePools): fc.Arbitrary<string | Uint8Array<ArrayBuffer>> {
  return fc.oneof({ weight: 9, arbitrary: fuzzValue(jsonSchemaOf(schema), pools).map(toJsonText) }, { weight: 1, arbitrary: brokenBody });
}

interface Spec {
  kinds?: Record<string, Kind>;
  auth?: (keyof FuzzWorld["tokens"])[];
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: (w: FuzzWorld) => fc.Arbitrary<Record<string, string>>;
}

/** A route fuzzer from what the route takes. */
function route(method: string, template: string, spec: Spec = {}): [string, RouteFuzzer] {
  const fuzzer: RouteFuzzer = (w) => fc.record({
    path: pathFor(w, template, spec.kinds ?? {}),
    query: queryFor(spec.query ?? null, w.pools),
    auth: spec.auth ? authHeader(w, spec.auth) : fc.oneof(fc.constant({}), authHeader(w, ["fan"])),
    extra: spec.headers ? spec.headers(w) : fc.constant({}),
    body: spec.body ? bodyFor(spec.body, w.pools) : fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: brokenBody }),
    contentType: contentTypes,
  }).map((r) => ({
    method,
    path: r.path,
    query: r.query,
    headers: { ...r.auth, ...r.extra, ...(r.body !== undefined && r.contentType ? { "content-type": r.contentType } : {}) },
    ...(r.body !== undefined && method !== "GET" ? { body: r.body } : {}),
  }));
  return [`${method} ${template}`, fuzzer];
}

// ---------------------------------------------------------------------------------------------
// Special cases: Stripe's signed webhook, the queue's own tokens, the live feed's WebSocket

const stripeEvent: JsonSchema = { anyOf: [jsonSchemaOf(webhookEventSchemas.intent), jsonSchemaOf(webhookEventSchemas.refund), jsonSchemaOf(webhookEventSchemas.other)] };

const webhook: RouteFuzzer = (w) => fc.record({
  body: fc.oneof({ weight: 9, arbitrary: fuzzValue(stripeEvent, w.pools).map(toJsonText) }, { weight: 1, arbitrary: brokenBody.filter((b): b is string => typeof b === "string") }),
  signing: fc.constantFrom("signed", "signed", "signed", "signed", "stale", "forged", "garbage", "none"),
}).map(({ body, signing }) => {
  const header = signing === "signed" ? signPayload(body)
    : signing === "stale" ? signPayload(body, { timestamp: Math.floor(Date.now() / 1000) - 3600 })
    : signing === "forged" ? signPayload(body, { secret: "whsec_not_ours" })
    : signing === "garbage" ? "t=abc,v1=zz,v0=" : null;
  return { method: "POST", path: "/api/payment/webhook", query: [], headers: { "content-type": "application/json", ...(header ? { "stripe-signature": header } : {}) }, body };
});

const queueStatus: RouteFuzzer = (w) => fc.record({
  path: pathFor(w, "/api/queue/:event_id/status", { event_id: "event" }),
  bearer: fc.oneof(fc.constantFrom(...w.queueTokens, ...w.admissionTokens, w.tokens.fan), hostileString.map(headerText)),
  query: queryFor(null, w.pools),
}).map((r) => ({ method: "GET", path: r.path, query: r.query, headers: { authorization: `Bearer ${r.bearer}` } }));

const liveFeed: RouteFuzzer = (w) => fc.record({
  path: pathFor(w, "/api/events/:id/queue/live", { id: "event" }),
  auth: authHeader(w, ["organizer", "fan"]),
  token: fc.option(fc.oneof(fc.constantFrom(w.tokens.organizer, w.tokens.fan), hostileString.map((s) => s.slice(0, QUERY_VALUE_MAX))), { nil: undefined }),
  websocket: fc.boolean(),
}).map((r) => ({ method: "GET", path: r.path, query: r.token === undefined ? [] : [["access_token", r.token]], headers: r.auth, websocket: r.websocket }));

// ---------------------------------------------------------------------------------------------
// Every route

const idempotency = (w: FuzzWorld) => headerFor("idempotency-key", idempotencyKeyHeader, w.pools);
const admission = (w: FuzzWorld) => headerFor("admission-token", admissionTokenHeader, w.pools, w.admissionTokens);

/** Keyed "METHOD /path" exactly as Hono lists the app's routes. */
const ROUTES: [string, RouteFuzzer][] = [
  route("GET", "/"),
  route("GET", "/health"),
  route("GET", "/.well-known/jwks.json"),
  route("GET", "/dev/mail"),
  route("GET", "/checkout/:intent_id", { kinds: { intent_id: "intent" }, query: checkoutQuery }),
  route("GET", "/checkout.js"),
  route("GET", "/checkout.css"),
  route("POST", "/api/auth/register", { body: registerBody }),
  route("POST", "/api/auth/login", { body: loginBody }),
  route("POST", "/api/auth/refresh", { body: refreshBody }),
  route("POST", "/api/auth/logout", { body: refreshBody }),
  route("GET", "/api/auth/me", { auth: ["fan", "organizer"] }),
  route("PUT", "/api/auth/me", { auth: ["fan", "organizer"], body: updateProfileBody }),
  route("GET", "/api/events", { query: listEventsQuery }),
  route("POST", "/api/events", { auth: ["organizer"], body: createEventSchema }),
  route("GET", "/api/events/:id", { kinds: { id: "event" } }),
  route("PUT", "/api/events/:id", { kinds: { id: "event" }, auth: ["organizer"], body: updateEventSchema }),
  route("POST", "/api/events/:id/publish", { kinds: { id: "event" }, auth: ["organizer"] }),
  route("POST", "/api/events/:id/cancel", { kinds: { id: "event" }, auth: ["organizer"] }),
  route("GET", "/api/events/:id/seats", { kinds: { id: "event" } }),
  route("GET", "/api/events/:id/stats", { kinds: { id: "event" }, auth: ["organizer", "admin"] }),
  route("GET", "/api/events/:id/queue", { kinds: { id: "event" }, auth: ["organizer"] }),
  route("PUT", "/api/events/:id/queue", { kinds: { id: "event" }, auth: ["organizer"], body: queueSettingsSchema }),
  ["GET /api/events/:id/queue/live", liveFeed],
  route("POST", "/api/bookings", { auth: ["fan"], body: createBookingBody, headers: (w) => fc.tuple(idempotency(w), admission(w)).map(([a, b]) => ({ ...a, ...b })) }),
  route("GET", "/api/bookings", { auth: ["fan"], query: listBookingsQuery }),
  route("GET", "/api/bookings/:id", { kinds: { id: "booking" }, auth: ["fan", "organizer"] }),
  route("POST", "/api/bookings/:id/cancel", { kinds: { id: "booking" }, auth: ["fan", "organizer"] }),
  ["POST /api/payment/webhook", webhook],
  route("POST", "/api/payment/:booking_id/refund", { kinds: { booking_id: "booking" }, auth: ["fan", "organizer", "admin"] }),
  route("POST", "/api/payment/reconcile", { auth: ["admin"], query: reconcileQuery }),
  route("POST", "/api/payment/simulator/:intent_id/complete", { kinds: { intent_id: "intent" }, body: simulatorCompleteBody }),
  route("POST", "/api/queue/:event_id/join", { kinds: { event_id: "event" }, auth: ["fan"] }),
  ["GET /api/queue/:event_id/status", queueStatus],
  route("GET", "/api/search", { query: searchQuery }),
  route("GET", "/api/search/autocomplete", { query: autocompleteQuery }),
];
export const ROUTE_FUZZERS: Record<string, RouteFuzzer> = Object.fromEntries(ROUTES);
