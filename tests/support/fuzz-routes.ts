/**
 * How the fuzz test makes requests for every operation of the API, derived from the OpenAPI
 * document the Worker serves (generated from the zod schemas the routes validate with): path
 * ids, query, headers and body from the operation's parameters and request body, the token from
 * its security scheme. The generators mix real ids and tokens (so requests reach real rows),
 * near-misses and hostile values. An operation with an input no generator knows is an error.
 */
import fc from "fast-check";
import { honoPath, inlineRefs, operationsOf, type DocumentedOperation, type OpenApiDocument } from "./contract";
import { fuzzValue, hostileString, toJsonText, validValue, type JsonSchema, type ValuePools } from "./json-schema-arbitrary";
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
  tokens: { fan: string; organizer: string; admin: string; expired: string; foreign: string; gate: string };
  eventIds: string[];
  gateAccountIds: string[];
  bookingIds: string[];
  /** Tickets of the world's fan (bound, transferable), so ticket routes reach real rows too. */
  ticketIds: string[];
  intentIds: string[];
  clientSecrets: string[];
  queueTokens: string[];
  admissionTokens: string[];
  pools: ValuePools;
}

type Kind = "event" | "booking" | "intent" | "ticket" | "gateAccount";
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
  // Tickets take real ticket ids and booking ids (real UUIDs that are not tickets, so 404s), plus the hostile values.
  const real = kind === "event" ? w.eventIds : kind === "booking" ? w.bookingIds : kind === "ticket" ? [...w.ticketIds, ...w.bookingIds] : kind === "gateAccount" ? w.gateAccountIds : w.intentIds;
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
function queryFor(schema: JsonSchema | null, pools: ValuePools): fc.Arbitrary<[string, string][]> {
  const junk = fc.array(fc.tuple(fc.constantFrom("q", "page", "__proto__", "x[y]", "", "a".repeat(300)), hostileString.map((s) => s.slice(0, QUERY_VALUE_MAX))), { maxLength: 2 });
  if (!schema) return fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: junk });
  const value = fuzzValue(schema, pools);
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
function headerFor(name: string, schema: JsonSchema, pools: ValuePools, real: string[] = []): fc.Arbitrary<Record<string, string>> {
  const valid: fc.Arbitrary<unknown> = real.length ? fc.oneof(fc.constantFrom(...real), validValue(schema, pools)) : validValue(schema, pools);
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
function bodyFor(schema: JsonSchema, pools: ValuePools): fc.Arbitrary<string | Uint8Array<ArrayBuffer>> {
  return fc.oneof({ weight: 9, arbitrary: fuzzValue(schema, pools).map(toJsonText) }, { weight: 1, arbitrary: brokenBody });
}

// ---------------------------------------------------------------------------------------------
// What each security scheme sends

type TokenName = keyof FuzzWorld["tokens"];

/** The tokens worth sending most often to an operation for these roles (any token is sent now and then). */
function preferredTokens(roles: string[] | undefined): TokenName[] {
  if (!roles?.length) return ["fan", "organizer"];
  const names = new Set<TokenName>();
  for (const role of roles) {
    if (role === "user") names.add("fan").add("organizer");
    else if (role === "organizer") names.add("organizer");
    else if (role === "admin") names.add("admin");
    else if (role === "gate") names.add("gate");
    else throw new Error(`no token for role ${role}`);
  }
  return [...names];
}

/** The queue's status poll: a queue token (or an admission token, or an access token, or junk) as Bearer. */
const queueBearer = (w: FuzzWorld): fc.Arbitrary<Record<string, string>> =>
  fc.oneof(fc.constantFrom(...w.queueTokens, ...w.admissionTokens, w.tokens.fan), hostileString.map(headerText)).map((t) => ({ authorization: `Bearer ${t}` }));

/** Stripe's webhook: the body signed right, stale, by another secret, with a garbage header, or not at all. */
const stripeSigned = (body: fc.Arbitrary<string | Uint8Array<ArrayBuffer>>) => fc.record({
  body: body.map((b) => (typeof b === "string" ? b : new TextDecoder().decode(b))),
  signing: fc.constantFrom("signed", "signed", "signed", "signed", "stale", "forged", "garbage", "none"),
}).map(({ body: text, signing }) => {
  const header = signing === "signed" ? signPayload(text)
    : signing === "stale" ? signPayload(text, { timestamp: Math.floor(Date.now() / 1000) - 3600 })
    : signing === "forged" ? signPayload(text, { secret: "whsec_not_ours" })
    : signing === "garbage" ? "t=abc,v1=zz,v0=" : null;
  return { body: text, headers: header ? { "stripe-signature": header } : {} };
});

// ---------------------------------------------------------------------------------------------
// One operation's requests

/** Which real ids a path parameter takes: named by it (`booking_id`) or, for `id`, by the collection before it. */
function kindOf(template: string, name: string): Kind {
  const byName: Record<string, Kind> = { event_id: "event", booking_id: "booking", intent_id: "intent", account_id: "gateAccount" };
  const named = byName[name];
  if (named) return named;
  const segments = template.split("/");
  const collection = segments[segments.indexOf(`{${name}}`) - 1];
  if (name === "id" && collection === "events") return "event";
  if (name === "id" && collection === "bookings") return "booking";
  if (name === "id" && collection === "tickets") return "ticket";
  throw new Error(`no generator for the path parameter {${name}} of ${template}`);
}

/** Real values for headers the world has (the waiting room's admission tokens). */
const realHeaders = (w: FuzzWorld): Record<string, string[]> => ({ "admission-token": w.admissionTokens });

/** The requests for one documented operation; throws if it takes something no generator knows. */
export function fuzzerFor(doc: OpenApiDocument, d: DocumentedOperation): RouteFuzzer {
  const params = d.op.parameters ?? [];
  const kinds = Object.fromEntries(params.filter((p) => p.in === "path").map((p) => [p.name, kindOf(d.template, p.name)]));
  const queryParams = params.filter((p) => p.in === "query");
  const query: JsonSchema | null = queryParams.length ? {
    type: "object", additionalProperties: false,
    properties: Object.fromEntries(queryParams.map((p) => [p.name, inlineRefs(p.schema, doc)])),
    required: queryParams.filter((p) => p.required).map((p) => p.name),
  } : null;
  const headers = params.filter((p) => p.in === "header").map((p) => ({ name: p.name.toLowerCase(), schema: inlineRefs(p.schema, doc) }));
  const unknownParam = params.find((p) => p.in === "cookie");
  if (unknownParam) throw new Error(`no generator for the cookie ${unknownParam.name} of ${d.method} ${d.template}`);
  const bodyContent = d.op.requestBody?.content;
  const bodySchema = bodyContent?.["application/json"]?.schema;
  const otherMedia = Object.keys(bodyContent ?? {}).filter((m) => m !== "application/json");
  if (otherMedia.length) throw new Error(`no generator for ${otherMedia.join(", ")} bodies of ${d.method} ${d.template}`);
  const schemes = new Set((d.op.security ?? []).flatMap((req) => Object.keys(req)));
  const unknownScheme = [...schemes].find((s) => !["bearerAuth", "queueToken", "stripeSignature"].includes(s));
  if (unknownScheme) throw new Error(`no generator for the security scheme ${unknownScheme} of ${d.method} ${d.template}`);
  const websocket = "101" in d.op.responses;
  const method = d.method;

  return (w) => {
    const auth = schemes.has("queueToken") ? queueBearer(w)
      : schemes.has("bearerAuth") ? authHeader(w, preferredTokens(d.op["x-roles"]))
      : fc.oneof(fc.constant({}), authHeader(w, ["fan"]));
    const extra = headers.length
      ? fc.tuple(...headers.map((h) => headerFor(h.name, h.schema, w.pools, realHeaders(w)[h.name] ?? []))).map((hs) => Object.assign({}, ...hs))
      : fc.constant({});
    const rawBody = bodySchema ? bodyFor(inlineRefs(bodySchema, doc), w.pools) : fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: brokenBody });
    const signed = schemes.has("stripeSignature") && bodySchema ? stripeSigned(bodyFor(inlineRefs(bodySchema, doc), w.pools)) : null;
    return fc.record({
      path: pathFor(w, honoPath(d.template), kinds),
      query: queryFor(query, w.pools),
      auth: signed ? fc.constant({}) : auth,
      extra,
      // The signature and the body it signs, drawn together.
      signedBody: signed ?? rawBody.map((body) => ({ body, headers: {} })),
      contentType: signed ? fc.constant("application/json") : contentTypes,
      websocket: websocket ? fc.boolean() : fc.constant(false),
    }).map(({ signedBody: { body, headers: signature }, ...r }) => ({
      method,
      path: r.path,
      query: r.query,
      headers: { ...r.auth, ...r.extra, ...signature, ...(body !== undefined && r.contentType ? { "content-type": r.contentType } : {}) },
      ...(body !== undefined && method !== "GET" ? { body } : {}),
      ...(r.websocket ? { websocket: true } : {}),
    }));
  };
}

/** "METHOD /path" (as Hono lists the app's routes) → the operation's request generator, for every documented operation. */
export function routeFuzzers(doc: OpenApiDocument): Record<string, RouteFuzzer> {
  return Object.fromEntries(operationsOf(doc).map((d) => [`${d.method} ${honoPath(d.template)}`, fuzzerFor(doc, d)]));
}
