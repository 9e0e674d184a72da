import type { z } from "zod";
import type { Ctx } from "../context";
import { intentId, uuid } from "../domain/input";
import { problems } from "../problem";
import { parseWith } from "./body";

/**
 * Path ids, query strings and headers, validated at the boundary like bodies are. A path id that
 * is not a real id names nothing, so it is a 404 (the same answer as an id that does not exist).
 */
function pathId<S extends z.ZodType<string, string>>(schema: S, value: string | undefined, what: string): z.output<S> {
  const r = schema.safeParse(value ?? "");
  if (!r.success) throw problems.notFound(what);
  return r.data;
}

/** A UUID path id (events, bookings, queues), lowercased; 404 naming `what` otherwise. */
export const uuidId = (value: string | undefined, what: string): string => pathId(uuid, value, what);

/** A PaymentIntent path id; 404 naming `what` otherwise. */
export const intentPathId = (value: string | undefined, what: string): string => pathId(intentId, value, what);

/**
 * The query string through `schema` (strict schemas: an unknown parameter is refused). A
 * parameter given twice (`?q=a&q=b`) is refused too, rather than one of the two silently winning.
 */
export function readQuery<S extends z.ZodType>(c: Ctx, schema: S): z.output<S> {
  const all = c.req.queries();
  const repeated = Object.entries(all).filter(([, values]) => values.length > 1).map(([field]) => ({ field, message: "must be given at most once" }));
  if (repeated.length) throw problems.validation(repeated);
  return parseWith(schema, Object.fromEntries(Object.entries(all).map(([k, values]) => [k, values[0]])));
}

/** An optional header through `schema`: undefined when absent, 422 naming the header when malformed. */
export function readHeader<S extends z.ZodType>(c: Ctx, name: string, schema: S): z.output<S> | undefined {
  const value = c.req.header(name);
  if (value === undefined) return undefined;
  return parseWith(schema, value, name);
}
