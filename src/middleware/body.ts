import type { Context } from "hono";
import type { z } from "zod";
import { problems } from "../problem";

const DEFAULT_LIMIT = 64 * 1024;

/** Turns zod issues into `{field, message}` pairs that name the offending field (`whole` when the value itself is at fault). */
export function zodErrors(error: z.ZodError, whole = "(body)"): { field: string; message: string }[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join(".") : whole, message: i.message }));
}

/** Validates `value` (a body, a query, a header named `whole`): 422 naming each bad field otherwise. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, whole?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw problems.validation(zodErrors(result.error, whole));
  return result.data;
}

/**
 * Reads the body as text, refusing more than `limit` bytes (413) and bytes that are not UTF-8
 * (400: decoding them would silently turn them into U+FFFD). A BOM is kept, not dropped, so the
 * text is exactly what was signed.
 */
export async function readText(c: Context, limit = DEFAULT_LIMIT): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > limit) throw problems.payloadTooLarge(limit);
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > limit) throw problems.payloadTooLarge(limit);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw problems.badRequest("The body is not valid UTF-8");
  }
}

/** Parses JSON text; 400 if it is not JSON (or nests too deeply to parse). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw problems.badRequest("The body is not valid JSON");
  }
}

/** Reads a JSON body with a size limit and validates it: 413, 415, 400 or 422 otherwise. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, limit = DEFAULT_LIMIT): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().includes("application/json")) throw problems.unsupportedMediaType();
  return parseWith(schema, parseJson(await readText(c, limit)));
}

/** Reads the JSON body an operation of the contract (src/contract) declares, with `readJson`. */
export function readBody<S extends z.ZodType>(c: Context, op: { request: { body: { content: { "application/json": { schema: S } } } } }, limit?: number): Promise<z.output<S>> {
  return readJson(c, op.request.body.content["application/json"].schema, limit);
}
