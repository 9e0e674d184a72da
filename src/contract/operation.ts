import { z } from "zod";
import { problemOf } from "./problem";

/**
 * The shape of one documented operation: what the Worker serves at a method and path, what it
 * takes, and every status it may answer with. Plain data over zod schemas (no Worker code), so
 * clients can import it; src/routes binds a handler to each and src/routes/openapi.ts turns them
 * into the OpenAPI 3.1 document. Paths are full (`/api/events/{id}`), with `{param}` templates.
 */
export type Method = "get" | "post" | "put" | "delete";

export interface Content { [mediaType: string]: { schema: z.ZodType } }

export interface ResponseSpec {
  description: string;
  content?: Content;
  headers?: { [name: string]: { description: string; schema: { type: "string" | "integer" } } };
}

export interface Operation {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Who may call it: absent is anyone; see `SECURITY` for the schemes. */
  security?: { [scheme: string]: string[] }[];
  /** The roles that pass (admin always does), for readers and the fuzz test's choice of token. */
  "x-roles"?: ("user" | "organizer" | "admin" | "gate")[];
  /** Served only where `ENVIRONMENT=development` (elsewhere it answers 404). */
  "x-development-only"?: boolean;
  request?: {
    params?: z.ZodType;
    query?: z.ZodType;
    headers?: z.ZodType;
    body?: { description?: string; required: boolean; content: Content };
  };
  responses: { [status: number]: ResponseSpec };
}

/** Declares an operation (the identity, for its type check; the literal types stay). */
export const operation = <O extends Operation>(o: O): O => o;

/** A JSON body. */
export const json = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: { "application/json": { schema } } });

/** An HTML page. */
export const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });

/** A request body: JSON, always required. */
export const jsonBody = <S extends z.ZodType>(schema: S, description?: string) =>
  ({ required: true, ...(description ? { description } : {}), content: { "application/json": { schema } } });

const WHY: Record<number, string> = {
  400: "The request cannot be read",
  401: "Not signed in, or the token is not valid",
  403: "Signed in, but not allowed",
  404: "Nothing here for this caller (an id that is not a UUID is a 404 too)",
  409: "The request conflicts with the current state",
  413: "The body is too large",
  415: "The body is not application/json",
  422: "The request is well-formed JSON but not valid",
  429: "Too many requests; see `Retry-After`",
  500: "An unexpected error; the detail quotes the request id",
  503: "A dependency is unavailable; see `Retry-After`",
};

/** A problem response for `status`, listing the codes it may carry. */
export function problem<const S extends number, const C extends readonly [string, ...string[]]>(status: S, codes: C, description?: string) {
  return {
    description: `${description ?? WHY[status] ?? "Error"}: ${codes.map((c) => `\`${c}\``).join(", ")}`,
    content: { "application/problem+json": { schema: problemOf(status, codes) } },
  };
}

// Problem responses many operations share.

/** Any operation can fail unexpectedly. */
export const unexpected = { 500: problem(500, ["internal_error"]) };
/** Operations that read or write Postgres. */
export const withDatabase = { ...unexpected, 503: problem(503, ["database_unavailable"]) };
/** Operations behind an access token (403: a gate account is refused wherever `gate` is not among the roles). */
export const signedIn = { 401: problem(401, ["unauthorized"]), 403: problem(403, ["forbidden"]) };
/** Operations for some roles only. */
export const withRole = { ...signedIn, 403: problem(403, ["forbidden"]) };
/** Operations that read a JSON body (`readJson`: size, media type, UTF-8, JSON, then the schema). */
export const withJsonBody = {
  400: problem(400, ["bad_request"], "The body is not UTF-8 or not JSON"),
  413: problem(413, ["payload_too_large"]),
  415: problem(415, ["unsupported_media_type"]),
  422: problem(422, ["validation_failed"]),
};
/** Operations that read a query string (unknown, repeated or malformed parameters). */
export const withQuery = { 422: problem(422, ["validation_failed"]) };
/** Operations counted against a per-minute rate limit. */
export const rateLimited = {
  429: { ...problem(429, ["rate_limited"]), headers: { "Retry-After": { description: "Seconds until a request may succeed", schema: { type: "integer" as const } } } },
};

/** The security requirement of an operation behind an access token. */
export const BEARER = [{ bearerAuth: [] }];
