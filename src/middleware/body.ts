import type { Context } from "hono";
import type { z } from "zod";
import { problems } from "../problem";

const DEFAULT_LIMIT = 64 * 1024;

/** Turns zod issues into `{field, message}` pairs that name the offending field. */
export function zodErrors(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join(".") : "(body)", message: i.message }));
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw problems.validation(zodErrors(result.error));
  return result.data;
}

/** Reads a JSON body with a size limit and validates it: 413, 415, 400 or 422 otherwise. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, limit = DEFAULT_LIMIT): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().includes("application/json")) throw problems.unsupportedMediaType();
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > limit) throw problems.payloadTooLarge(limit);
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > limit) throw problems.payloadTooLarge(limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw problems.badRequest("The body is not valid JSON");
  }
  return parseWith(schema, value);
}
