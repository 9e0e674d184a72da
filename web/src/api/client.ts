import type { z } from "zod";
import { authOperations } from "../../../src/contract/auth";
import type { Operation } from "../../../src/contract/operation";
import { ApiError, problemOf } from "./problem";
import { session } from "./session";

/**
 * The one way the app calls the API: an operation of src/contract (method, path, schemas) plus
 * its inputs. Every success is parsed with the operation's own response schema, so a change in
 * the contract breaks the build or shows up here, never as a half-rendered page. Failures become
 * an ApiError carrying the problem document.
 */
type JsonOf<R> = R extends { content: { "application/json": { schema: infer S extends z.ZodType } } } ? z.output<S> : undefined;
export type Answer<O extends Operation> =
  O["responses"] extends { 200: infer R } ? JsonOf<R> : O["responses"] extends { 201: infer R } ? JsonOf<R>
    : O["responses"] extends { 202: infer R } ? JsonOf<R> : undefined;

export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the access token (and refresh it once on a 401). */
  auth?: boolean;
}

const pathOf = (op: Operation, input: CallInput): string => {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(input.params?.[name] ?? ""));
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
};

async function send(op: Operation, input: CallInput): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...input.headers };
  const token = session.access();
  if (input.auth && token) headers.Authorization = `Bearer ${token}`;
  if (input.body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch(pathOf(op, input), {
      method: op.method.toUpperCase(),
      headers,
      ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
    });
  } catch {
    throw new ApiError(0, null, null); // offline or the connection dropped
  }
}

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for new tokens, once for all callers that got a 401 together. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const refresh_token = session.refresh();
    if (!refresh_token) return false;
    const res = await send(authOperations.refresh, { body: { refresh_token } });
    if (!res.ok) {
      // A refused token is over (rotated elsewhere or revoked); a 429/503 is not the token's fault.
      if (res.status === 401) session.clear();
      return false;
    }
    session.set(authOperations.refresh.responses[200].content["application/json"].schema.parse(await res.json()));
    return true;
  })().finally(() => { refreshing = null; });
  return refreshing;
}

function successSchema(op: Operation, status: number): z.ZodType | undefined {
  return op.responses[status]?.content?.["application/json"]?.schema;
}

export async function call<O extends Operation>(op: O, input: CallInput = {}): Promise<Answer<O>> {
  // Signed in but no access token yet (a fresh page load): get one before the first call.
  if (input.auth && !session.access() && session.refresh()) await refreshSession();
  let res = await send(op, input);
  if (res.status === 401 && input.auth && session.refresh() && (await refreshSession())) res = await send(op, input);
  if (!res.ok) {
    const error = await problemOf(res);
    if (res.status === 401 && input.auth) session.clear();
    throw error;
  }
  const schema = successSchema(op, res.status);
  if (!schema) return undefined as Answer<O>;
  return schema.parse(await res.json()) as Answer<O>;
}
