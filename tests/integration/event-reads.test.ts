/**
 * The event page and the seat map answered from the edge's copies (src/routes/event-reads.ts):
 * many readers share one fill, copies follow changes (waits are bounded polls, never timing
 * assertions), drafts never reach a copy, ETags revalidate, the per-IP read limit still counts
 * every read. One test runs its own `wrangler dev` with a 2-second hold, so the room releases
 * seats by itself, where no request through the edge tells of it.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEVELOPMENT_VARS } from "../../scripts/lib/dev-vars";
import { startWrangler, type WorkerServer } from "../../scripts/lib/wrangler";
import { writeRaisedConfig } from "../../scripts/lib/wrangler-config";
import { startPgWsProxy, type PgWsProxy } from "../../workers/pg-ws-proxy";
import { api, eventBody, eventually, pool, publishedEvent, register, type ApiResponse, type Session } from "../support/api";
import { roomStats } from "../support/db";
import { DATABASE_URL, STRIPE_BASE_URL } from "../support/env";
import { freePort } from "../support/free-port";

type Seats = { event_id: string; seats: { seat_id: string; status: string }[]; areas: { name: string; available: number }[] };
type EventPage = { event_id: string; title: string; status: string };
type Booking = { booking_id: string; seats: string[] };

const cacheOf = (r: ApiResponse<unknown>) => r.headers.get("x-edge-cache");
const statusOf = (r: ApiResponse<Seats>, seat: string) => r.body.seats.find((s) => s.seat_id === seat)?.status;
/** rows × seats per row in section A. */
const seatMap = (rows: number, perRow: number) =>
  ({ sections: [{ name: "A", price: 10000, rows: Array.from({ length: rows }, (_, r) => ({ label: String(r + 1), seats: perRow })) }], areas: [{ name: "GA", price: 5000, capacity: 50 }] });

let organizer: Session;
beforeAll(async () => {
  organizer = await register("organizer");
});

describe("reads from the edge's copies", () => {
  it("answers a burst of readers of a cold event with one fill each for the page and the seat map", async () => {
    const eventId = await publishedEvent(organizer, { seat_map: seatMap(4, 10) });
    for (const [path, ttlMs] of [[`/api/events/${eventId}`, 5000], [`/api/events/${eventId}/seats`, 1000]] as const) {
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 40 }, () => api(path)));
      const elapsed = Date.now() - started;
      expect(answers.every((r) => r.status === 200)).toBe(true);
      const how = answers.map(cacheOf);
      // One fill per copy's lifetime (a slow machine may outlast one); the rest waited for it or read it.
      const misses = how.filter((h) => h === "miss").length;
      expect(misses, `${path}: ${how.join(",")}`).toBeGreaterThanOrEqual(1);
      expect(misses, `${path}: ${how.join(",")} in ${elapsed} ms`).toBeLessThanOrEqual(1 + Math.floor(elapsed / ttlMs));
      expect(how.every((h) => h === "miss" || h === "shared" || h === "hit")).toBe(true);
      expect(answers.every((r) => r.headers.get("cache-control") === "public, max-age=0, must-revalidate")).toBe(true);
      expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    }
  });

  it("revalidates with If-None-Match: 304 while current, the new map once a seat is taken", async () => {
    const eventId = await publishedEvent(organizer, { seat_map: seatMap(2, 10) });
    const fan = await register();
    const first = await api<Seats>(`/api/events/${eventId}/seats`);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^".+"$/);
    const again = await api(`/api/events/${eventId}/seats`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(again.body).toBeNull();
    // Other tags, a list, and weak comparison.
    expect((await api(`/api/events/${eventId}/seats`, { headers: { "if-none-match": '"nope"' } })).status).toBe(200);
    expect((await api(`/api/events/${eventId}/seats`, { headers: { "if-none-match": `"nope", W/${etag!}` } })).status).toBe(304);

    expect((await api("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-3"] } })).status).toBe(201);
    // Within the copy's second: the same tag may still be current; then the new map comes.
    const changed = await eventually(async () => {
      const r = await api<Seats>(`/api/events/${eventId}/seats`, { headers: { "if-none-match": etag! } });
      return r.status === 200 ? r : (expect(r.status).toBe(304), undefined);
    }, 20_000, "a new seat map");
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(statusOf(changed, "A-1-3")).toBe("held");

    const page = await api<EventPage>(`/api/events/${eventId}`);
    const pageTag = page.headers.get("etag");
    expect((await api(`/api/events/${eventId}`, { headers: { "if-none-match": pageTag! } })).status).toBe(304);
  });

  it("shows every seat taken by concurrent buyers as taken to concurrent readers, never sells one twice, never un-takes one", async () => {
    const eventId = await publishedEvent(organizer, { seat_map: seatMap(6, 20) });
    const seatIds = Array.from({ length: 120 }, (_, i) => `A-${Math.floor(i / 20) + 1}-${(i % 20) + 1}`);
    const buyers = await pool(8, Array.from({ length: 16 }, () => () => register()));
    let buying = true;
    const violations: string[] = [];
    let reads = 0;
    let copies = 0;
    // Each reader's own reads follow one another, so what it saw taken must stay taken. On a slow
    // machine every read of the buying window may land on a refill: readers then go on (bounded by
    // a count, not a clock) until one is served a copy.
    const reader = async () => {
      const seenTaken = new Set<string>();
      while (buying || (copies === 0 && reads < 2000)) {
        const r = await api<Seats>(`/api/events/${eventId}/seats`);
        expect(r.status).toBe(200);
        reads++;
        if (cacheOf(r) === "hit") copies++;
        for (const s of r.body.seats) {
          if (s.status !== "available") seenTaken.add(s.seat_id);
          else if (seenTaken.has(s.seat_id)) violations.push(`${s.seat_id} shown taken, then available`);
        }
      }
    };
    const readers = Array.from({ length: 12 }, reader);
    // Each buyer tries four times for two seats, chosen so that buyers collide.
    const attempts = buyers.flatMap((b, i) => Array.from({ length: 4 }, (_, k) => ({ token: b.access, wanted: [seatIds[(i * 7 + k * 13) % 120]!, seatIds[(i * 7 + k * 13 + 29) % 120]!] })));
    const results = await Promise.all(attempts.map((a) => api<Booking>("/api/bookings", { token: a.token, body: { event_id: eventId, seat_ids: a.wanted } })));
    buying = false;
    await Promise.all(readers);

    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const held = results.filter((r) => r.status === 201).flatMap((r) => r.body.seats);
    expect(held.length).toBeGreaterThan(0);
    expect(new Set(held).size).toBe(held.length);
    expect(violations).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    // Readers were served copies, not the room, while buyers bought.
    expect(copies).toBeGreaterThan(0);
    // Every seat a 201 promised shows as taken, and nothing else does.
    const map = await eventually(async () => {
      const r = await api<Seats>(`/api/events/${eventId}/seats`);
      const taken = r.body.seats.filter((s) => s.status !== "available").map((s) => s.seat_id);
      return taken.length === held.length ? taken : undefined;
    }, 20_000, "the seat map to show every hold");
    expect(new Set(map)).toEqual(new Set(held));
    expect((await roomStats(eventId, organizer.access)).seats.held).toBe(held.length);
  });

  it("shows an update and a cancellation to readers who had a copy", async () => {
    const eventId = await publishedEvent(organizer, { seat_map: seatMap(1, 5) });
    const before = await api<EventPage>(`/api/events/${eventId}`);
    expect(before.body.title).toBe("BTS World Tour — Seoul");
    expect(cacheOf(await api(`/api/events/${eventId}`))).toBe("hit");
    expect((await api(`/api/events/${eventId}`, { method: "PUT", token: organizer.access, body: { title: "Renamed for the copies" } })).status).toBe(200);
    await eventually(async () => ((await api<EventPage>(`/api/events/${eventId}`)).body.title === "Renamed for the copies" ? true : undefined), 20_000, "the new title");

    const seatsBefore = await api<Seats>(`/api/events/${eventId}/seats`);
    expect(seatsBefore.status).toBe(200);
    expect((await api(`/api/events/${eventId}/cancel`, { method: "POST", token: organizer.access })).status).toBe(200);
    await eventually(async () => ((await api<EventPage>(`/api/events/${eventId}`)).body.status === "cancelled" ? true : undefined), 20_000, "the page to say cancelled");
    // The seat map still answers (every seat free again), and the room refuses to sell.
    const after = await api<Seats>(`/api/events/${eventId}/seats`);
    expect(after.status).toBe(200);
    expect(after.body.seats.every((s) => s.status === "available")).toBe(true);
    const fan = await register();
    expect((await api("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-1"] } })).status).toBe(409);
  });

  it("never shows a draft to another account or to anyone anonymous, however often its organizer reads it", async () => {
    const created = await api<{ event_id: string }>("/api/events", { token: organizer.access, body: eventBody({ title: "Secret draft", seat_map: seatMap(1, 5) }) });
    expect(created.status).toBe(201);
    const id = created.body.event_id;
    const other = await register("organizer");
    const fan = await register();
    const reads = await Promise.all(Array.from({ length: 60 }, (_, i) => {
      const who = [organizer.access, undefined, other.access, fan.access][i % 4];
      return Promise.all([api<EventPage>(`/api/events/${id}`, { token: who }), api<Seats>(`/api/events/${id}/seats`, { token: who })]).then((pair) => ({ who, pair }));
    }));
    for (const { who, pair } of reads) {
      for (const r of pair) {
        if (who === organizer.access) {
          expect(r.status).toBe(200);
          expect(r.headers.get("cache-control")).toBe("private, no-store");
          expect(cacheOf(r)).toBe("bypass");
          expect(r.headers.get("etag")).toBeNull();
        } else {
          expect(r.status).toBe(404);
        }
      }
    }
    // After all those organizer reads, still nothing for the others.
    expect((await api(`/api/events/${id}`)).status).toBe(404);
    expect((await api(`/api/events/${id}/seats`, { token: fan.access })).status).toBe(404);
    // Published: everyone sees it, from a copy.
    expect((await api(`/api/events/${id}/publish`, { method: "POST", token: organizer.access })).status).toBe(200);
    const page = await api<EventPage>(`/api/events/${id}`);
    expect(page.status).toBe(200);
    expect(page.body.status).toBe("published");
  });
});

// The Stripe-mode Worker keeps the seed's limits (100 event reads a minute per IP; wrangler.toml's [[ratelimits]]).
describe("the per-IP read limit on copies", () => {
  it("counts every read of the page and the seat map, copies included", async () => {
    const ip = `2001:db8:ee::${crypto.randomUUID().slice(0, 4)}`;
    const org = await api<{ access_token: string }>("/api/auth/register", {
      base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": ip },
      body: { email: `reads-${crypto.randomUUID()}@test.ticketing.pro`, password: "correct horse battery", name: "Reads", account_type: "organizer" },
    });
    expect(org.status).toBe(201);
    const created = await api<{ event_id: string }>("/api/events", { base: STRIPE_BASE_URL, token: org.body.access_token, headers: { "cf-connecting-ip": ip }, body: eventBody({ seat_map: seatMap(1, 5) }) });
    expect(created.status).toBe(201);
    const id = created.body.event_id;
    expect((await api(`/api/events/${id}/publish`, { base: STRIPE_BASE_URL, method: "POST", token: org.body.access_token, headers: { "cf-connecting-ip": ip } })).status).toBe(200);
    // Warm the copies from another address, then read from a fresh one, away from a minute boundary.
    const warm = `2001:db8:ef::${crypto.randomUUID().slice(0, 4)}`;
    await api(`/api/events/${id}/seats`, { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": warm } });
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await new Promise((r) => setTimeout(r, left + 100));
    const from = `2001:db8:ed::${crypto.randomUUID().slice(0, 4)}`;
    const answers = await Promise.all(Array.from({ length: 105 }, (_, i) =>
      api<{ code?: string }>(i % 2 ? `/api/events/${id}` : `/api/events/${id}/seats`, { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": from } })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(100);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused).toHaveLength(5);
    expect(refused.every((r) => r.body.code === "rate_limited" && Number(r.headers.get("retry-after")) > 0)).toBe(true);
  });
});

// ------------------------------------------------------------------ changes made inside the room

const DIR = `.tmp/test/event-reads-${process.pid}`;
let proxy: PgWsProxy | null = null;
let worker: WorkerServer | null = null;


afterAll(async () => {
  await worker?.stop();
  await proxy?.close();
}, 60_000);

describe("a change the edge does not make", () => {
  it("reaches readers of the copy: a 2-second hold lapses in the room and its seat shows as free again", async () => {
    fs.mkdirSync(DIR, { recursive: true });
    proxy = await startPgWsProxy(0);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    worker = await startWrangler({
      port, persistTo: `${DIR}/state`, logFile: `${DIR}/wrangler.log`, config: writeRaisedConfig(),
      vars: { ...DEVELOPMENT_VARS, DATABASE_URL, PG_WS_PROXY: `127.0.0.1:${proxy.port}`, PUBLIC_BASE_URL: base, LOG_LEVEL: "warn", HOLD_TTL_SECONDS: "2" },
    });
    const org = await register("organizer", {}, base);
    const fan = await register("user", {}, base);
    const eventId = await publishedEvent(org, { seat_map: seatMap(1, 5) }, base);
    const seats = () => api<Seats>(`/api/events/${eventId}/seats`, { base });
    expect(statusOf(await seats(), "A-1-2")).toBe("available");
    expect((await api("/api/bookings", { base, token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-2"] } })).status).toBe(201);
    await eventually(async () => (statusOf(await seats(), "A-1-2") === "held" ? true : undefined), 20_000, "the hold to show");
    // Readers keep reading the copy; the room's alarm releases the hold on its own.
    let copies = 0;
    await eventually(async () => {
      const r = await seats();
      if (cacheOf(r) === "hit") copies++;
      return statusOf(r, "A-1-2") === "available" ? true : undefined;
    }, 60_000, "the lapsed hold to show as free");
    expect(copies).toBeGreaterThan(0);
  }, 180_000);
});
