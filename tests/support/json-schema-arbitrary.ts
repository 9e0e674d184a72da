/**
 * fast-check arbitraries from the JSON Schema that zod writes for a request schema
 * (`z.toJSONSchema(schema, { io: "input" })`): values that satisfy it, values one mutation away
 * from satisfying it, and hostile values (control characters, lone surrogates, huge strings,
 * wrong types, prototype-pollution keys, numbers JSON.stringify cannot even write).
 */
import fc from "fast-check";
import { z } from "zod";

export type JsonSchema = z.core.JSONSchema.JSONSchema;

/** A JSON value, plus `RawJson` for literals that JSON.stringify cannot produce (-0, 1e400, NaN-like). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text for a value that may hold `RawJson` literals anywhere. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** An object with exactly these own keys, `__proto__` included as a plain key. */
export function plainObject(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
  return out;
}

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}

const asSchema = (s: z.core.JSONSchema._JSONSchema | undefined): JsonSchema => (typeof s === "object" ? s : {});

// ---------------------------------------------------------------------------------------------
// Hostile values

const CONTROL = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).concat(["\u007f", "\u0085", "\u009f"]);

/** Strings meant to break things downstream: the database, the Durable Object, logs, e-mail. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "\u0000", "a\u0000b", "\u0000".repeat(50), "\ud800", "x\udc00y", "\udfff\ud800", "\u202e\u200b\ufeff", "\uffff", "\ufffe",
    "'; DROP TABLE users; --", "%00", "%", "../../etc/passwd", "NaN", "Infinity", "-Infinity", "-0", "1e400", "0x10", " 1", "null",
    "true", "__proto__", "constructor", "{}", "[]", "", " ", "\t", "\r\n", "𝕏🎟️한국어", "a".repeat(10_000), "한".repeat(3000),
    "0000-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "2027-02-29T00:00:00Z", "------------------------------------",
  ),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...CONTROL), fc.string({ maxLength: 8 })).map(([a, c, b]) => a + c + b),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)), minLength: 1, maxLength: 4 }),
);

const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1, 0.5, -0.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 4.9e-324),
  fc.constantFrom("-0", "1e400", "-1e400", "1E2", "1.0", "0.0000001", "123456789012345678901234567890").map((t) => new RawJson(t)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Objects that try prototype pollution, and nesting deep enough to hurt a recursive parser. */
const hostileStructure: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(plainObject([["__proto__", { admin: true, role: "admin" }]])),
  fc.constant(plainObject([["constructor", { prototype: { polluted: true } }]])),
  fc.constant(new RawJson(`${"[".repeat(5000)}${"]".repeat(5000)}`)),
  fc.constant(new RawJson(`${'{"a":'.repeat(2000)}1${"}".repeat(2000)}`)),
  fc.constant(Array.from({ length: 1000 }, (_, i) => i)),
  fc.constant({}),
  fc.constant([]),
);

/** Any hostile JSON value: a wrong type, a bad string, a bad number, or a bad structure. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 2, arbitrary: hostileStructure },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

// ---------------------------------------------------------------------------------------------
// Values that satisfy a schema

/** Formats zod writes, by what a client would really send. */
function formatted(format: string, pools: ValuePools): fc.Arbitrary<string> | null {
  switch (format) {
    case "uuid":
      return fc.oneof({ weight: 2, arbitrary: pools.uuids.length ? fc.constantFrom(...pools.uuids) : fc.uuid() }, { weight: 1, arbitrary: fc.uuid({ version: 4 }) });
    case "date-time":
      return fc.date({ min: new Date(Date.now() + 86400_000), max: new Date("2040-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString());
    case "email":
      return fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.nat()).map(([u, n]) => `${u}.${n}.${Date.now()}@fuzz.ticketing.pro`);
    default:
      return null;
  }
}

/** Values the fuzzer should reuse so that requests hit real rows sometimes. */
export interface ValuePools { uuids: string[]; strings: Record<string, string[]> }

/**
 * A pattern's string brought within the length limits by repeating or cutting it: what our
 * patterns say is "each character is one of these", which both keep. Lengths are in code points,
 * as zod counts them. Filtering instead would starve the generator.
 */
function fit(x: string, min: number, max: number): string {
  const points = [...x];
  const long = points.length && points.length < min ? Array.from({ length: Math.ceil(min / points.length) }, () => points).flat() : points;
  return long.slice(0, max).join("");
}

function validString(s: JsonSchema, pools: ValuePools, key?: string): fc.Arbitrary<string> {
  const known = key ? pools.strings[key] : undefined;
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 64;
  let base: fc.Arbitrary<string>;
  const format = s.format ? formatted(s.format, pools) : null;
  if (format) base = format;
  else if (s.pattern) base = fc.stringMatching(new RegExp(s.pattern), { size: "small" }).filter((x) => min === 0 || x.length > 0).map((x) => fit(x, min, max));
  else base = fc.string({ unit: "grapheme", minLength: min, maxLength: Math.min(max, 40) });
  return known?.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: base }) : base;
}

function validNumber(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = typeof s.minimum === "number" ? s.minimum : -1e6;
  const hi = typeof s.maximum === "number" ? s.maximum : 1e6;
  if (integer) {
    const small = fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, Math.max(lo, -(2 ** 31)) + 100) });
    return fc.oneof(small, fc.constantFrom(lo, hi), fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31 - 1) }));
  }
  return fc.double({ min: lo, max: hi, noNaN: true });
}

/** Values that satisfy `schema` (as far as JSON Schema can say: refinements may still refuse some). */
export function validValue(schema: JsonSchema, pools: ValuePools, key?: string, depth = 0): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf?.length) return fc.oneof(...schema.anyOf.map((s) => validValue(s, pools, key, depth + 1)));
  if (schema.oneOf?.length) return fc.oneof(...schema.oneOf.map((s) => validValue(s, pools, key, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return validString(schema, pools, key);
    case "integer":
      return validNumber(schema, true);
    case "number":
      return validNumber(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const items = asSchema(Array.isArray(schema.items) ? schema.items[0] : schema.items);
      return fc.array(validValue(items, pools, key, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 5) });
    }
    case "object": {
      const props = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      if (!props.length) return fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const shape = Object.fromEntries(props.map(([k, s]) => [k, validValue(asSchema(s), pools, k, depth + 1)]));
      return fc.record(shape, { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
    }
    default:
      return depth > 3 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
  }
}

// ---------------------------------------------------------------------------------------------
// One mutation away from valid

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === "object" && !(value instanceof RawJson)) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function at(value: unknown, path: Path): unknown {
  let v: unknown = value;
  for (const step of path) v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[step] : undefined;
  return v;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value !== null && typeof value === "object" && !(value instanceof RawJson)) return plainObject(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

type Mutation = "replace" | "delete" | "extra" | "inject";

/** One character that has no place in user text: C0, DEL, C1, or half a surrogate pair. */
export const badChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("\u0000") },
  { weight: 2, arbitrary: fc.constantFrom("\u001b", "\u007f", "\u0085", "\ud800", "\udfff", "\n") },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((n) => String.fromCharCode(n)) },
);

/**
 * `value` with one change at one place: a hostile value put in, a key taken out, an extra key
 * added, or (for text) one bad character slipped into an otherwise valid string.
 */
export function mutate(value: unknown, pick: number, op: Mutation, hostile: unknown, extraKey: string, bad = "\u0000"): unknown {
  const all = paths(value);
  const strings = all.filter((p) => typeof at(value, p) === "string");
  const path = (op === "inject" && strings.length ? strings[pick % strings.length] : all[pick % all.length]) ?? [];
  if (op === "inject") {
    const current = at(value, path);
    if (typeof current === "string") {
      const i = pick % (current.length + 1);
      hostile = `${current.slice(0, i)}${bad}${current.slice(i)}`;
    }
    op = "replace";
  }
  if (!path.length) return op === "extra" && value !== null && typeof value === "object" && !Array.isArray(value) ? plainObject([...Object.entries(value), [extraKey, hostile]]) : hostile;
  const root = clone(value);
  let parent: unknown = root;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[step];
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    if (op === "delete") parent.splice(Number(last), 1);
    else parent[Number(last)] = hostile;
  } else if (parent !== null && typeof parent === "object") {
    const record = parent as Record<string, unknown>;
    if (op === "delete") delete record[String(last)];
    else if (op === "extra") Object.defineProperty(record, extraKey, { value: hostile, enumerable: true, configurable: true, writable: true });
    else Object.defineProperty(record, String(last), { value: hostile, enumerable: true, configurable: true, writable: true });
  }
  return root;
}

const extraKeys = fc.constantFrom("__proto__", "constructor", "prototype", "extra", "role", "is_admin", "status", "user_id", "toString");

/** Valid values (about a third), near-valid mutations of them, and hostile values instead of the whole. */
export function fuzzValue(schema: JsonSchema, pools: ValuePools): fc.Arbitrary<unknown> {
  const valid = validValue(schema, pools);
  const mutated = fc.tuple(valid, fc.nat(), fc.constantFrom<Mutation>("replace", "delete", "extra", "inject", "inject", "inject"), hostileValue, extraKeys, badChar)
    .map(([v, pick, op, h, k, bad]) => mutate(v, pick, op, h, k, bad));
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 6, arbitrary: mutated }, { weight: 1, arbitrary: hostileValue });
}
