/**
 * Demo data for `npm start`, written through the public HTTP API (not SQL) so seeding exercises
 * the same validation, inventory expansion and Durable Object set-up a real organizer goes through.
 * Idempotent: existing accounts are logged into, and events the demo organizer already published
 * (matched by title) are left alone.
 *
 * `npx tsx scripts/seed.ts [baseUrl]` seeds a server that is already running.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatError } from "../src/describe-error";

export const DEMO_PASSWORD = "demo-password";
export const DEMO_ORGANIZER = { email: "organizer@demo.ticketing.pro", password: DEMO_PASSWORD, name: "Demo Organizer (데모 주최사)" } as const;
export const DEMO_BUYER = { email: "fan@demo.ticketing.pro", password: DEMO_PASSWORD, name: "김팬 (Demo Fan)" } as const;

interface Section { name: string; price: number; rows: { label: string; seats: number }[] }
interface Area { name: string; price: number; capacity: number }
interface EventInput {
  title: string; description: string; category: "concert" | "sports" | "classical"; venue: string; location: string;
  start_date: string; end_date: string; currency: "KRW"; seat_map: { sections: Section[]; areas: Area[] };
}
interface EventSummary { event_id: string; organizer_id: string; title: string; status: string; start_date: string }
interface EventList { events: EventSummary[]; total: number }
interface Tokens { access_token: string }
interface Me { user: { user_id: string; email: string; role: string } }

export interface SeedResult {
  organizer: { email: string; created: boolean };
  buyer: { email: string; created: boolean };
  events: { title: string; event_id: string; created: boolean }[];
}

/** Rows "1".."n" of `seats` seats each. */
const rows = (n: number, seats: number) => Array.from({ length: n }, (_, i) => ({ label: String(i + 1), seats }));

/** A time `days` from now at `hourKst`:00 Korea time (UTC+9), so start dates stay in the future. */
function kstAt(days: number, hourKst: number, plusHours = 0): string {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(hourKst - 9 + plusHours, 0, 0, 0);
  return d.toISOString();
}

/** KRW has no minor unit, so ₩150,000 is sent as 150000. */
function demoEvents(): EventInput[] {
  return [
    {
      title: "BTS World Tour — Seoul",
      description: "The world tour comes home: one night at Jamsil. Floor standing plus reserved stands.",
      category: "concert", venue: "Seoul Olympic Stadium (Jamsil)", location: "Seoul, KR",
      start_date: kstAt(60, 19), end_date: kstAt(60, 19, 3), currency: "KRW",
      seat_map: {
        sections: [
          { name: "VIP", price: 220000, rows: rows(4, 20) },
          { name: "R", price: 165000, rows: rows(6, 25) },
          { name: "S", price: 132000, rows: rows(6, 25) },
        ],
        areas: [{ name: "FLOOR", price: 150000, capacity: 2000 }],
      },
    },
    {
      title: "아이유 콘서트 2027 — 서울",
      description: "아이유 단독 콘서트. 스탠딩 구역과 지정석이 있습니다.",
      category: "concert", venue: "KSPO DOME (올림픽체조경기장)", location: "서울특별시 송파구",
      start_date: kstAt(75, 18), end_date: kstAt(75, 18, 3), currency: "KRW",
      seat_map: {
        sections: [
          { name: "VIP", price: 198000, rows: rows(3, 20) },
          { name: "R", price: 154000, rows: rows(5, 24) },
          { name: "S", price: 143000, rows: rows(5, 24) },
        ],
        areas: [{ name: "스탠딩", price: 154000, capacity: 800 }],
      },
    },
    {
      title: "Seoul Philharmonic: Mahler 5",
      description: "Mahler's Symphony No. 5 in C-sharp minor. Choir seats sold unreserved.",
      category: "classical", venue: "Lotte Concert Hall", location: "Seoul, KR",
      start_date: kstAt(90, 20), end_date: kstAt(90, 22), currency: "KRW",
      seat_map: {
        sections: [
          { name: "R", price: 120000, rows: rows(5, 20) },
          { name: "S", price: 90000, rows: rows(5, 20) },
          { name: "A", price: 60000, rows: rows(4, 20) },
        ],
        areas: [{ name: "CHOIR", price: 30000, capacity: 150 }],
      },
    },
    {
      title: "K리그1: FC서울 vs 울산 HD",
      description: "K League 1 at Seoul World Cup Stadium. The north stand is the supporters' standing end.",
      category: "sports", venue: "서울월드컵경기장 (Seoul World Cup Stadium)", location: "서울특별시 마포구",
      start_date: kstAt(45, 19), end_date: kstAt(45, 21), currency: "KRW",
      seat_map: {
        sections: [
          { name: "W", price: 45000, rows: rows(5, 30) },
          { name: "E", price: 30000, rows: rows(5, 30) },
        ],
        areas: [{ name: "NORTH", price: 18000, capacity: 3000 }],
      },
    },
  ];
}

class ApiError extends Error {
  constructor(readonly status: number, method: string, route: string, body: string) {
    super(`${method} ${route} → ${status}: ${body.slice(0, 500)}`);
  }
}

function client(baseUrl: string) {
  return async function api<T>(method: string, route: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; data: T }> {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetch(new URL(route, baseUrl), {
      method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok && res.status !== 409) throw new ApiError(res.status, method, route, text);
    return { status: res.status, data: (text ? JSON.parse(text) : null) as T };
  };
}
type Api = ReturnType<typeof client>;

/** Registers the account, or logs in when it already exists (409); returns a token. */
async function ensureAccount(
  api: Api, account: { email: string; password: string; name: string }, accountType: "user" | "organizer",
): Promise<{ token: string; created: boolean }> {
  const reg = await api<Tokens>("POST", "/api/auth/register", {
    body: { email: account.email, password: account.password, name: account.name, account_type: accountType, locale: "ko" },
  });
  if (reg.status === 201) return { token: reg.data.access_token, created: true };
  try {
    const login = await api<Tokens>("POST", "/api/auth/login", { body: { email: account.email, password: account.password } });
    return { token: login.data.access_token, created: false };
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      throw new Error(`${account.email} exists but the demo password does not work (was it changed?); reset the database or the account`);
    }
    throw e;
  }
}

/** Titles of the published events this organizer already has (the public list is paged). */
async function publishedTitles(api: Api, organizerId: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let page = 1; ; page++) {
    const { data } = await api<EventList>("GET", `/api/events?page=${page}&page_size=100`);
    for (const e of data.events) if (e.organizer_id === organizerId) found.set(e.title, e.event_id);
    if (data.events.length < 100 || page * 100 >= data.total) return found;
  }
}

export async function seed(baseUrl: string): Promise<SeedResult> {
  const api = client(baseUrl);
  const organizer = await ensureAccount(api, DEMO_ORGANIZER, "organizer");
  const buyer = await ensureAccount(api, DEMO_BUYER, "user");

  const me = await api<Me>("GET", "/api/auth/me", { token: organizer.token });
  if (me.data.user.role !== "organizer") throw new Error(`${DEMO_ORGANIZER.email} exists but is not an organizer (role ${me.data.user.role})`);
  const existing = await publishedTitles(api, me.data.user.user_id);

  const events: SeedResult["events"] = [];
  for (const input of demoEvents()) {
    const known = existing.get(input.title);
    if (known) {
      events.push({ title: input.title, event_id: known, created: false });
      continue;
    }
    // A draft left by an interrupted earlier run is invisible to the public list; it stays a
    // harmless draft and a fresh copy is created and published here.
    const created = await api<EventSummary>("POST", "/api/events", { token: organizer.token, body: input });
    await api<EventSummary>("POST", `/api/events/${created.data.event_id}/publish`, { token: organizer.token });
    events.push({ title: input.title, event_id: created.data.event_id, created: true });
  }

  return {
    organizer: { email: DEMO_ORGANIZER.email, created: organizer.created },
    buyer: { email: DEMO_BUYER.email, created: buyer.created },
    events,
  };
}

export function formatSeedResult(r: SeedResult): string {
  const tag = (created: boolean) => (created ? "created" : "exists ");
  return [
    "seed:",
    `  ${tag(r.organizer.created)}  organizer ${r.organizer.email}`,
    `  ${tag(r.buyer.created)}  buyer     ${r.buyer.email}`,
    ...r.events.map((e) => `  ${tag(e.created)}  event     ${e.title}  (${e.event_id})`),
    `  ${r.events.filter((e) => e.created).length} event(s) created, ${r.events.filter((e) => !e.created).length} already there`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const baseUrl = process.argv[2] ?? `http://127.0.0.1:${Number(process.env.PORT) || 8787}`;
  seed(baseUrl)
    .then((r) => console.log(formatSeedResult(r)))
    .catch((e: unknown) => {
      console.error("seed failed:", formatError(e));
      process.exit(1);
    });
}
