import { scrubSecrets } from "./redact";

/**
 * What a log line may say about an error: its kind and code (SQLSTATE, or errno for system
 * errors), the constraint, table and column Postgres names, and the root cause's message with
 * every value taken out. Never the query's parameters (drizzle's "Failed query: … params: …"),
 * never Postgres' `detail` ("Key (email)=(…) already exists"), never a stack.
 */
export interface ErrorDescription {
  name: string;
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  message: string;
}

const MAX_MESSAGE = 300;
const SQLSTATE = /^[0-9A-Z]{5}$/;

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === "object" && v !== null;
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 && v.length <= 128 ? v : undefined);

/** The error and its causes, outermost first (bounded, cycle-safe). */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = isObject(current) ? current.cause : undefined;
  }
  return chain;
}

/** The code worth logging: a Postgres SQLSTATE first, else a system errno name or number. */
function errorCode(chain: unknown[]): { code?: string; carrier?: Fields } {
  const objects = chain.filter(isObject);
  const pg = objects.find((e) => typeof e.code === "string" && SQLSTATE.test(e.code));
  if (pg) return { code: pg.code as string, carrier: pg };
  const sys = objects.find((e) => str(e.code) !== undefined || typeof e.errno === "number");
  if (!sys) return {};
  return { code: str(sys.code) ?? String(sys.errno), carrier: sys };
}

/**
 * A message without values: drizzle's query text and params cut off; quoted values in Postgres
 * messages (`invalid input syntax for type uuid: "…"`) replaced unless they name the constraint,
 * table or column already reported; `(col)=(value)` pairs emptied; secrets scrubbed; one bounded line.
 */
export function scrubMessage(message: string, identifiers: readonly string[] = []): string {
  let m = message;
  if (/^Failed query:/.test(m)) m = "Failed query";
  m = m.replace(/\bparams:[\s\S]*$/, "params: …");
  m = m.replace(/"((?:[^"\\]|\\.)*)"/g, (whole, inner: string) => (identifiers.includes(inner) ? whole : "\"…\""));
  m = m.replace(/\(([^()]*)\)=\(([^()]*)\)/g, "($1)=(…)");
  m = scrubSecrets(m).replace(/\s+/g, " ").trim();
  return m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE)}…` : m;
}

export function describeError(err: unknown): ErrorDescription {
  const chain = causeChain(err);
  const root = chain[chain.length - 1];
  const { code, carrier } = errorCode(chain);
  const constraint = str(carrier?.constraint);
  const table = str(carrier?.table);
  const column = str(carrier?.column);
  const identifiers = [constraint, table, column].filter((x): x is string => x !== undefined);
  const rawMessage = root instanceof Error ? root.message : isObject(root) && typeof root.message === "string" ? root.message : typeof root === "string" ? root : "";
  const name = root instanceof Error ? root.name : isObject(root) && typeof root.name === "string" ? root.name : typeof root;
  return {
    name: scrubMessage(name).slice(0, 64) || "Error",
    ...(code ? { code } : {}),
    ...(constraint ? { constraint } : {}),
    ...(table ? { table } : {}),
    ...(column ? { column } : {}),
    message: scrubMessage(rawMessage, identifiers),
  };
}

/** One line for a terminal (scripts): `Name [code]: message`. */
export function formatError(err: unknown): string {
  const d = describeError(err);
  return `${d.name}${d.code ? ` [${d.code}]` : ""}${d.constraint ? ` (${d.constraint})` : ""}: ${d.message}`;
}
