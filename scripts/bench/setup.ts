/**
 * What the scenarios need, made before anything is timed: an organizer, a published event with
 * one seat per reserve and pay request, USERS registered buyers (one client address each), and a
 * waiting-room event with simulated joiners signed with the Worker's key.
 */
import { loadKeys, signAccessToken } from "../../src/domain/tokens";
import { readDevVar } from "../lib/dev-vars";
import { REGISTER_CONCURRENCY, REQUEST_TIMEOUT_MS, seatsNeeded, type BenchConfig } from "./config";

export interface Session { access_token: string; refresh_token: string; user: { user_id: string } }
export interface CreatedEvent { event_id: string; total_seats: number }
export interface EventStats { seats: { available: number; held: number; sold: number }; bookings: Record<string, number>; outbox_pending: number }
export interface Joiner { userId: string; token: string; ip: string; queueToken: string }

/** A simulated joiner's access token, signed with the Worker's key (the Worker caps the lifetime at 15 minutes). */
const joinerToken = (signing: Awaited<ReturnType<typeof loadKeys>>, userId: string) =>
  signAccessToken(signing, { userId, email: `${userId}@bench.example.com`, role: "user" }, 900);

export interface BenchContext {
  config: BenchConfig;
  log: (msg: string) => void;
  appUrl: string;
  baselineUrl: string;
  organizer: Session;
  /** The reserve and pay scenarios' event. */
  event: CreatedEvent;
  /** Request headers of each registered buyer (token, client address). */
  userHeaders: Record<string, string>[];
  /** The waiting-room event: open, admitting one shopper a minute, so pollers keep waiting. */
  queued: CreatedEvent;
  /** One simulated account per join request; the join scenario fills in each queue token for the poll scenario. */
  joiners: Joiner[];
  /** The buyers' sessions (userHeaders[i] carries sessions[i]'s access token). */
  sessions: Session[];
  /** When the tokens were last renewed (performance.now()). */
  renewedAt: number;
}

/**
 * A client address per simulated buyer. Locally nothing sets CF-Connecting-IP before the Worker
 * (miniflare only fills it in when absent), so without this every buyer would share one address
 * and one rate-limiter key: a hot spot production, where buyers come from many addresses, lacks.
 */
const clientAddress = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const ORGANIZER_ADDRESS = "10.255.255.254";

/** One setup call; anything but the expected status is fatal. */
export async function api<T>(base: string, method: string, route: string, expect: number, opts: { token?: string; body?: unknown; ip?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { "cf-connecting-ip": opts.ip ?? ORGANIZER_ADDRESS };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(base + route, {
    method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${method} ${route}: expected ${expect}, got ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** fn(0 … n-1) with at most `limit` running at once, results in order. */
export async function mapLimit<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    for (let i = next++; i < n; i = next++) out[i] = await fn(i);
  }));
  return out;
}

// The seat map: sections of 20 rows × 50 seats; at least 4000 seats, always one per request.
const SEATS_PER_ROW = 50;
const ROWS_PER_SECTION = 20;
const SEATS_PER_SECTION = SEATS_PER_ROW * ROWS_PER_SECTION;

/** The i-th seat of the bench event (reserve uses 0…, pay continues after reserve's). */
export function seatIdAt(i: number): string {
  const section = Math.floor(i / SEATS_PER_SECTION);
  const inSection = i % SEATS_PER_SECTION;
  return `S${section + 1}-${Math.floor(inSection / SEATS_PER_ROW) + 1}-${(inSection % SEATS_PER_ROW) + 1}`;
}

/** A seat map of whole sections with at least `seats` seats (seatIdAt numbers them). */
export function seatMapFor(seats: number) {
  const total = Math.ceil(seats / SEATS_PER_SECTION) * SEATS_PER_SECTION;
  return {
    sections: Array.from({ length: total / SEATS_PER_SECTION }, (_, s) => ({
      name: `S${s + 1}`,
      price: 50_000 + 10_000 * s,
      rows: Array.from({ length: ROWS_PER_SECTION }, (_, r) => ({ label: String(r + 1), seats: SEATS_PER_ROW })),
    })),
    areas: [],
  };
}

export async function prepare(config: BenchConfig, appUrl: string, baselineUrl: string, log: (msg: string) => void): Promise<BenchContext> {
  const runId = Date.now().toString(36);
  const startDate = new Date(Date.now() + 30 * 86400_000).toISOString();
  const organizer = await api<Session>(appUrl, "POST", "/api/auth/register", 201, {
    body: { email: `organizer.${runId}@bench.example.com`, password: "bench password 1234", name: "Bench Organizer", account_type: "organizer" },
  });
  const token = organizer.access_token;
  const event = await api<CreatedEvent>(appUrl, "POST", "/api/events", 201, {
    token, body: { title: `Bench ${runId}`, category: "concert", venue: "Bench Hall", currency: "KRW", start_date: startDate, seat_map: seatMapFor(Math.max(4000, seatsNeeded(config))) },
  });
  await api(appUrl, "POST", `/api/events/${event.event_id}/publish`, 200, { token });
  log(`event ${event.event_id} published with ${event.total_seats} seats; registering ${config.users} users (concurrency ${REGISTER_CONCURRENCY})`);
  const users = await mapLimit(config.users, REGISTER_CONCURRENCY, (i) => api<Session>(appUrl, "POST", "/api/auth/register", 201, {
    ip: clientAddress(i), body: { email: `user${i}.${runId}@bench.example.com`, password: "bench password 1234", name: `Bench User ${i}` },
  }));
  const userHeaders = users.map((u, i) => ({ "content-type": "application/json", authorization: `Bearer ${u.access_token}`, "cf-connecting-ip": clientAddress(i) }));
  log(`${users.length} users registered`);

  const queued = await api<CreatedEvent>(appUrl, "POST", "/api/events", 201, {
    token, body: { title: `Bench queue ${runId}`, category: "concert", venue: "Bench Hall", currency: "KRW", start_date: startDate,
      seat_map: { sections: [], areas: [{ name: "GA", price: 10_000, capacity: 100 }] } },
  });
  await api(appUrl, "PUT", `/api/events/${queued.event_id}/queue`, 200, {
    token, body: { enabled: true, on_sale_at: new Date(Date.now() - 1000).toISOString(), admit_per_minute: 1, max_active: 1, session_minutes: 10 },
  });
  await api(appUrl, "POST", `/api/events/${queued.event_id}/publish`, 200, { token });
  const signing = await loadKeys(readDevVar("JWT_PRIVATE_JWK"));
  const joiners = await Promise.all(Array.from({ length: config.requests + config.warmup }, async (_, i) => {
    const userId = crypto.randomUUID();
    return { userId, token: await joinerToken(signing, userId), ip: clientAddress(config.users + i), queueToken: "" };
  }));
  return { config, log, appUrl, baselineUrl, organizer, event, userHeaders, queued, joiners, sessions: users, renewedAt: performance.now() };
}

/** Access tokens live 15 minutes (the Worker caps them): renew every session once they are this old. */
const RENEW_AFTER_MS = 5 * 60_000;

/**
 * Renews the organizer's and every buyer's access token through the refresh endpoint once they are
 * five minutes old, so a slow run (a busy machine) never reaches a scenario with expired tokens.
 * Called between scenarios, never inside a timed one; headers are updated in place.
 */
export async function keepTokensFresh(ctx: BenchContext): Promise<void> {
  if (performance.now() - ctx.renewedAt < RENEW_AFTER_MS) return;
  ctx.renewedAt = performance.now();
  const renew = async (s: Session, ip: string) => {
    const next = await api<Session>(ctx.appUrl, "POST", "/api/auth/refresh", 200, { ip, body: { refresh_token: s.refresh_token } });
    s.access_token = next.access_token;
    s.refresh_token = next.refresh_token;
  };
  await renew(ctx.organizer, ORGANIZER_ADDRESS);
  await mapLimit(ctx.sessions.length, REGISTER_CONCURRENCY, async (i) => {
    const s = ctx.sessions[i];
    const headers = ctx.userHeaders[i];
    if (!s || !headers) return;
    await renew(s, clientAddress(i));
    headers.authorization = `Bearer ${s.access_token}`;
  });
  const signing = await loadKeys(readDevVar("JWT_PRIVATE_JWK"));
  for (const j of ctx.joiners) j.token = await joinerToken(signing, j.userId);
  ctx.log(`renewed the access tokens of the organizer, ${ctx.sessions.length} buyers and ${ctx.joiners.length} joiners`);
}

/** An event's organizer stats (seats, bookings by state, the room's outbox backlog); the bench event's by default. */
export async function eventStats(ctx: BenchContext, eventId = ctx.event.event_id): Promise<EventStats> {
  await keepTokensFresh(ctx);
  return api<EventStats>(ctx.appUrl, "GET", `/api/events/${eventId}/stats`, 200, { token: ctx.organizer.access_token });
}
