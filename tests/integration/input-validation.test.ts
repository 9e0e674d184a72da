import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { events, users } from "../../src/db/schema";
import { api, eventBody, pool, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";

// The named cases of the input bugs, each a 4xx problem document now (the fuzz test covers the
// classes they belong to). Text that Postgres cannot store (NUL), that would be stored changed
// (an unpaired surrogate becomes U+FFFD), or that has no place in a name (control characters).
type Problem = { status: number; code: string; errors?: { field: string; message: string }[] };

let fan: Session;
let organizer: Session;
let eventId: string;
let draftId: string;
beforeAll(async () => {
  fan = await register();
  organizer = await register("organizer");
  eventId = await publishedEvent(organizer);
  draftId = (await api<{ event_id: string }>("/api/events", { token: organizer.access, body: eventBody() })).body.event_id;
});

const BAD_TEXT = ["\u0000", "a\u0000b", "\u0001", "\u001b[31m", "\u007f", "\u0085", "\ud800", "x\udfff", "\u0008"];
/** What of `bad` a URL can carry: its unpaired surrogates become a NUL, which is bad too. */
const inUrl = (bad: string) => bad.replace(/[\ud800-\udfff]/g, "\u0000");
const isProblem = (r: { status: number; headers: Headers; body: unknown }, status: number) => {
  expect(r.status).toBe(status);
  expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status });
};

describe("user text refuses NUL, control characters and unpaired surrogates in every field", () => {
  const cases: [string, (bad: string) => Promise<{ status: number; headers: Headers; body: Problem }>, string][] = [
    // A URL cannot carry an unpaired surrogate (it has no UTF-8): the query cases send the rest.
    ["search q", (bad) => api<Problem>(`/api/search?q=${encodeURIComponent(inUrl(bad))}`), "q"],
    ["autocomplete q", (bad) => api<Problem>(`/api/search/autocomplete?q=${encodeURIComponent(inUrl(bad))}`), "q"],
    ["event title", (bad) => api<Problem>("/api/events", { token: organizer.access, body: eventBody({ title: `BTS ${bad}` }) }), "title"],
    ["event description", (bad) => api<Problem>("/api/events", { token: organizer.access, body: eventBody({ description: `월드 투어 ${bad}` }) }), "description"],
    ["event venue", (bad) => api<Problem>("/api/events", { token: organizer.access, body: eventBody({ venue: bad }) }), "venue"],
    ["event location (update)", (bad) => api<Problem>(`/api/events/${draftId}`, { method: "PUT", token: organizer.access, body: { location: bad } }), "location"],
    ["event title (update)", (bad) => api<Problem>(`/api/events/${draftId}`, { method: "PUT", token: organizer.access, body: { title: bad } }), "title"],
    ["name on register", (bad) => api<Problem>("/api/auth/register", { body: { email: `n${crypto.randomUUID()}@test.ticketing.pro`, password: "correct horse battery", name: `Kim ${bad}` } }), "name"],
    ["password on register", (bad) => api<Problem>("/api/auth/register", { body: { email: `p${crypto.randomUUID()}@test.ticketing.pro`, password: `correct horse ${bad}`, name: "Kim" } }), "password"],
    ["name on PUT /me", (bad) => api<Problem>("/api/auth/me", { method: "PUT", token: fan.access, body: { name: bad } }), "name"],
    ["refresh token", (bad) => api<Problem>("/api/auth/refresh", { body: { refresh_token: `x${bad}` } }), "refresh_token"],
    ["area on booking", (bad) => api<Problem>("/api/bookings", { token: fan.access, body: { event_id: eventId, area: `FL${bad}`, quantity: 1 } }), "area"],
  ];
  it.each(cases)("%s: 422 naming the field, for each bad character", async (_what, send, field) => {
    for (const bad of BAD_TEXT) {
      const r = await send(bad);
      isProblem(r, 422);
      expect(r.body.code).toBe("validation_failed");
      expect(r.body.errors?.map((e) => e.field)).toContain(field);
    }
  });

  it("keeps tab and line breaks in a description, refuses them in a title; stores text as sent", async () => {
    const description = "1부\t오프닝\r\n2부 — 앙코르 🎤";
    const ok = await api<{ event_id: string; description: string }>("/api/events", { token: organizer.access, body: eventBody({ description }) });
    expect(ok.status).toBe(201);
    expect(ok.body.description).toBe(description);
    isProblem(await api("/api/events", { token: organizer.access, body: eventBody({ title: "line\nbreak" }) }), 422);
  });

  it("nothing with a bad character reached Postgres", async () => {
    const { db, close } = await testDb();
    const names = await db.select({ name: users.name }).from(users);
    const titles = await db.select({ title: events.title, description: events.description }).from(events);
    await close();
    const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/;
    expect(names.filter((u) => bad.test(u.name) || /[\t\n\r]/.test(u.name))).toEqual([]);
    expect(titles.filter((e) => bad.test(e.title) || bad.test(e.description))).toEqual([]);
  });
});

describe("search text Postgres' websearch parser chokes on", () => {
  it.each(["-".repeat(36), "- ".repeat(40), `${"-".repeat(50)}BTS`, `"${"-".repeat(40)}"`, "-\"".repeat(40)])("%s is searched, not a 500", async (q) => {
    const r = await api<{ results: unknown[] }>(`/api/search?q=${encodeURIComponent(q)}`);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.results)).toBe(true);
  });
});

describe("path ids are real UUIDs or 404", () => {
  const notUuids = ["-".repeat(36), "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "0000000g-0000-4000-8000-000000000000", `${"a".repeat(8)}-${"-".repeat(27)}`, "%00", "%E0%A4%A", "x".repeat(2000)];
  const routes: [string, string, "fan" | "organizer"][] = [
    ["GET", "/api/events/:id", "fan"], ["GET", "/api/events/:id/seats", "fan"], ["GET", "/api/events/:id/stats", "organizer"],
    ["GET", "/api/events/:id/queue", "organizer"], ["PUT", "/api/events/:id", "organizer"], ["POST", "/api/events/:id/publish", "organizer"],
    ["POST", "/api/events/:id/cancel", "organizer"], ["POST", "/api/queue/:id/join", "fan"], ["GET", "/api/bookings/:id", "fan"],
    ["POST", "/api/bookings/:id/cancel", "fan"], ["POST", "/api/payment/:id/refund", "fan"], ["POST", "/api/payment/simulator/:id/complete", "fan"],
    ["GET", "/checkout/:id", "fan"],
  ];
  it.each(routes)("%s %s", async (method, route, who) => {
    for (const id of notUuids) {
      const r = await api<Problem>(route.replace(":id", id), { method, token: (who === "fan" ? fan : organizer).access, ...(method === "PUT" ? { body: { title: "x" } } : {}) });
      isProblem(r, 404);
    }
  });

  it("an uppercase UUID names the same event (and the same room) as its lowercase form", async () => {
    const upper = eventId.toUpperCase();
    const seats = await api<{ event_id: string }>(`/api/events/${upper}/seats`);
    expect(seats.status).toBe(200);
    expect(seats.body.event_id).toBe(eventId);
    const booked = await api<{ event_id: string; status: string }>("/api/bookings", { token: fan.access, body: { event_id: upper, seat_ids: ["A-2-9"] } });
    expect(booked.status).toBe(201);
    expect(booked.body.event_id).toBe(eventId);
    // The lowercase room holds it: the same seat cannot be had again through either spelling.
    expect((await api("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-2-9"] } })).status).toBe(409);
  });
});

describe("query strings: repeated, unknown, huge and mistyped parameters are 422", () => {
  it.each([
    "/api/search?q=a&q=b", "/api/search?page=1&page=2", "/api/events?category=concert&category=sports", "/api/search/autocomplete?q=a&q=b",
    "/api/search?min_price=1e3", "/api/search?min_price=0x10", "/api/search?page=-0", "/api/search?page=%201", "/api/search?page=1.5",
    "/api/search?min_price=99999999999999999999", `/api/search?q=${"a".repeat(5000)}`, "/api/events?page=NaN", "/api/events?from=0000-01-01T00:00:00Z",
    "/api/events?to=9999-12-31T23:59:59-14:00", "/api/events?pagesize=5", "/api/search?__proto__=x", "/api/bookings?page=1&page=1",
  ])("%s", async (path) => {
    const r = await api<Problem>(path, { token: fan.access });
    isProblem(r, 422);
  });
});

describe("bodies: not an object, extra fields, odd numbers", () => {
  it.each(["[]", "null", "\"x\"", "1", "true", "{}", "-0"])("register with %s is 422", async (raw) => {
    isProblem(await api("/api/auth/register", { raw }), 422);
  });
  it.each([
    ["extra field", `{"email":"e@x.kr","password":"correct horse battery","name":"n","role":"admin"}`],
    ["prototype key", `{"email":"e@x.kr","password":"correct horse battery","name":"n","__proto__":{"role":"admin"}}`],
    ["huge number", `{"event_id":"${crypto.randomUUID()}","area":"FLOOR","quantity":1e400}`],
    ["negative zero", `{"event_id":"${crypto.randomUUID()}","area":"FLOOR","quantity":-0}`],
    ["fraction", `{"event_id":"${crypto.randomUUID()}","area":"FLOOR","quantity":1.5}`],
    ["NaN-like string", `{"event_id":"${crypto.randomUUID()}","area":"FLOOR","quantity":"NaN"}`],
  ])("%s is 422", async (_what, raw) => {
    const path = raw.includes("event_id") ? "/api/bookings" : "/api/auth/register";
    isProblem(await api(path, { raw, token: fan.access }), 422);
  });
  it("-0 where 0 is allowed is still refused: nobody means it", async () => {
    const r = await api<Problem>(`/api/events/${draftId}`, { method: "PUT", token: organizer.access, raw: `{"refund_window_hours":-0}` });
    isProblem(r, 422);
  });
  it("deep nesting, bytes that are not UTF-8, and non-JSON are 400", async () => {
    isProblem(await api("/api/auth/login", { raw: `${"[".repeat(20_000)}${"]".repeat(20_000)}` }), 422);
    const bytes = await fetch(`${process.env.TEST_BASE_URL}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) });
    expect(bytes.status).toBe(400);
    expect(bytes.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    isProblem(await api("/api/auth/login", { raw: "{" }), 400);
  });
});

describe("headers with garbage are 4xx", () => {
  it("Idempotency-Key, Admission-Token and Authorization", async () => {
    const body = { event_id: eventId, seat_ids: ["A-2-10"] };
    for (const key of [" ", "a b", "x".repeat(256), "é"]) isProblem(await api("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } }), 422);
    for (const token of ["garbage", "a.b", "a.b.c.d", "x".repeat(5000), "é.é.é"]) isProblem(await api("/api/bookings", { token: fan.access, body, headers: { "admission-token": token } }), 422);
    for (const auth of ["Bearer", "Bearer a b", "Basic Zm9vOmJhcg==", `Bearer ${"x".repeat(5000)}`, "Bearer é"]) {
      isProblem(await api("/api/bookings", { body, headers: { authorization: auth } }), 401);
    }
  });
});

describe("many bad callers at once beside good ones", () => {
  it("hostile bookings are refused, valid ones race fairly: no seat held twice, none lost", async () => {
    const ev = await publishedEvent(organizer);
    const fans = await Promise.all(Array.from({ length: 5 }, () => register()));
    const bad = [
      { event_id: ev, area: "FLOOR\u0000", quantity: 1 }, { event_id: "-".repeat(36), seat_ids: ["A-1-1"] }, { event_id: ev, seat_ids: ["A-1-1\u0000"] },
      { event_id: ev, area: "FLOOR", quantity: -0 }, { event_id: ev.toUpperCase(), seat_ids: ["A-1-1"], extra: true },
    ];
    const tasks = Array.from({ length: 60 }, (_, i) => async () => {
      const who = fans[i % fans.length]!;
      if (i % 2) return { kind: "bad", r: await api("/api/bookings", { token: who.access, body: bad[i % bad.length] }) };
      return { kind: "good", r: await api<{ booking_id: string; user_id: string; seats: string[] }>("/api/bookings", { token: who.access, body: { event_id: i % 4 ? ev : ev.toUpperCase(), seat_ids: [`A-1-${(i % 3) + 1}`] } }), who };
    });
    const results = await pool(12, tasks);
    for (const x of results.filter((x) => x.kind === "bad")) expect([404, 422]).toContain(x.r.status);
    const good = results.filter((x) => x.kind === "good");
    for (const x of good) expect([201, 409]).toContain(x.r.status);
    const won = good.filter((x) => x.r.status === 201);
    // Three seats, one winner each; and each winner sees their own booking, nobody else's.
    expect(won).toHaveLength(3);
    expect(new Set(won.flatMap((x) => (x.r.body as { seats: string[] }).seats)).size).toBe(3);
    for (const x of won) {
      const body = x.r.body as { booking_id: string; user_id: string };
      const owner = "who" in x ? x.who : undefined;
      expect(body.user_id).toBe(owner?.userId);
      const other = fans.find((f) => f.userId !== owner?.userId)!;
      expect((await api(`/api/bookings/${body.booking_id}`, { token: other.access })).status).toBe(404);
    }
    const seats = await api<{ seats: { seat_id: string; status: string }[]; areas: { name: string; available: number; capacity: number }[] }>(`/api/events/${ev}/seats`);
    expect(seats.body.seats.filter((s) => s.status === "held").map((s) => s.seat_id).sort()).toEqual(["A-1-1", "A-1-2", "A-1-3"]);
    expect(seats.body.areas.every((a) => a.available === a.capacity)).toBe(true);
    const { db, close } = await testDb();
    const [row] = await db.select().from(events).where(eq(events.eventId, ev));
    await close();
    expect(row?.status).toBe("published");
  });
});
