import { contractAt } from "./contract";
import { BASE_URL } from "./env";

export interface ApiResponse<T = Record<string, unknown>> { status: number; body: T; headers: Headers }

/**
 * A small JSON client for the Worker under test. Every answer is checked against the OpenAPI
 * document that Worker serves (tests/support/contract.ts): an undocumented status, media type or
 * body shape throws, failing the test that asked.
 */
export async function api<T = Record<string, unknown>>(
  path: string,
  opts: { method?: string; body?: unknown; token?: string; headers?: Record<string, string>; raw?: string; base?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined || opts.raw !== undefined) headers["content-type"] ??= "application/json";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const base = opts.base ?? BASE_URL;
  const method = opts.method ?? (opts.body !== undefined || opts.raw !== undefined ? "POST" : "GET");
  const res = await fetch(base + path, {
    method,
    headers,
    body: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : null;
  const mismatch = (await contractAt(base)).problemWith(method, path, res.status, res.headers.get("content-type"), body);
  if (mismatch) throw new Error(`The answer breaks the API contract (${base}/api/openapi.json): ${mismatch}`);
  return { status: res.status, body: body as T, headers: res.headers };
}

export interface Session { userId: string; email: string; access: string; refresh: string }

let counter = 0;
export async function register(role: "user" | "organizer" = "user", extra: Record<string, unknown> = {}, base?: string): Promise<Session> {
  const email = `${role}-${Date.now()}-${++counter}-${Math.random().toString(36).slice(2, 8)}@test.ticketing.pro`;
  const r = await api<{ user: { user_id: string }; access_token: string; refresh_token: string }>("/api/auth/register", {
    body: { email, password: "correct horse battery", name: role === "organizer" ? "공연기획 김민지" : "Test Fan", account_type: role, ...extra }, base,
  });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { userId: r.body.user.user_id, email, access: r.body.access_token, refresh: r.body.refresh_token };
}

export const inDays = (days: number) => new Date(Date.now() + days * 86400_000).toISOString();

export function eventBody(overrides: Record<string, unknown> = {}) {
  return {
    title: "BTS World Tour — Seoul", description: "월드 투어 서울 공연", category: "concert", venue: "Jamsil Olympic Stadium",
    location: "Seoul, KR", start_date: inDays(60), end_date: new Date(Date.parse(inDays(60)) + 3 * 3600_000).toISOString(), currency: "KRW",
    seat_map: { sections: [{ name: "A", price: 150000, rows: [{ label: "1", seats: 10 }, { label: "2", seats: 10 }] }], areas: [{ name: "FLOOR", price: 99000, capacity: 100 }] },
    ...overrides,
  };
}

export async function publishedEvent(organizer: Session, overrides: Record<string, unknown> = {}, base?: string): Promise<string> {
  const created = await api<{ event_id: string }>("/api/events", { token: organizer.access, body: eventBody(overrides), base });
  if (created.status !== 201) throw new Error(`create event failed: ${created.status} ${JSON.stringify(created.body)}`);
  const published = await api(`/api/events/${created.body.event_id}/publish`, { method: "POST", token: organizer.access, base });
  if (published.status !== 200) throw new Error(`publish failed: ${published.status} ${JSON.stringify(published.body)}`);
  return created.body.event_id;
}

/** Polls until `check` returns a value that is not undefined, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Repeats `round` until it returns true. Bounded by progress, not by the clock: it fails only
 * when `stallMs` pass without `progress()` growing, so a slow machine that is still moving never
 * fails, and a stuck one fails with what it was waiting for.
 */
export async function untilDone(round: () => Promise<boolean>, progress: () => number, what: string, stallMs = 120_000): Promise<void> {
  let seen = progress();
  let movedAt = Date.now();
  for (;;) {
    if (await round()) return;
    const now = progress();
    if (now > seen) {
      seen = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`no progress towards ${what} for ${stallMs / 1000} s (stuck at ${now})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  }));
  return out;
}
