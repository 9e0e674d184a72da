import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { events, outbox, seats } from "../../src/db/schema";
import { api, eventBody, inDays, publishedEvent, register, type Session } from "../support/api";
import { testDb } from "../support/db";

type Problem = { status: number; code: string; errors?: { field: string; message: string }[] };
type EventBody = { event_id: string; status: string; min_price: number; max_price: number; total_seats: number; title: string };

let organizer: Session;
let fan: Session;
beforeAll(async () => {
  organizer = await register("organizer");
  fan = await register("user");
});

async function countEvents(): Promise<number> {
  const { db, close } = await testDb();
  try {
    const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(events);
    return r!.n;
  } finally {
    await close();
  }
}

describe("events over HTTP", () => {
  it("creates a draft with its seat map, visible only to its organizer until published", async () => {
    const created = await api<EventBody>("/api/events", { token: organizer.access, body: eventBody({ title: "아이유 콘서트 2027 — 서울" }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "draft", min_price: 99000, max_price: 150000, total_seats: 120, title: "아이유 콘서트 2027 — 서울" });
    const id = created.body.event_id;
    expect((await api(`/api/events/${id}`)).status).toBe(404);
    expect((await api(`/api/events/${id}`, { token: fan.access })).status).toBe(404);
    expect((await api(`/api/events/${id}`, { token: organizer.access })).status).toBe(200);
    const { db, close } = await testDb();
    const [n] = await db.select({ n: sql<number>`count(*)::int` }).from(seats).where(eq(seats.eventId, id));
    await close();
    expect(n!.n).toBe(20);
  });

  it.each([
    ["a negative price", { seat_map: { sections: [{ name: "A", price: -5, rows: [{ label: "1", seats: 2 }] }] } }, "seat_map.sections.0.price"],
    ["an empty seat map", { seat_map: { sections: [], areas: [] } }, "seat_map.sections"],
    ["duplicate row labels", { seat_map: { sections: [{ name: "A", price: 1, rows: [{ label: "1", seats: 2 }, { label: "1", seats: 2 }] }] } }, "seat_map.sections.0.rows.1.label"],
    ["an end before the start", { start_date: inDays(10), end_date: inDays(9) }, "end_date"],
    ["a start in the past", { start_date: "2001-01-01T00:00:00Z", end_date: null }, "start_date"],
    ["a malformed date", { start_date: "next tuesday" }, "start_date"],
    ["an unknown currency", { currency: "XYZ" }, "currency"],
    // One seat over the cap of 50,000 reserved seats.
    ["an oversized seat map", { seat_map: { sections: Array.from({ length: 100 }, (_, i) => ({ name: `S${i}`, price: 1, rows: [{ label: "1", seats: 500 }, ...(i === 0 ? [{ label: "2", seats: 1 }] : [])] })) } }, "seat_map.sections"],
  ])("refuses %s with 422 naming the field, writing nothing", async (_what, override, field) => {
    const before = await countEvents();
    const r = await api<Problem>("/api/events", { token: organizer.access, body: eventBody(override) });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe("validation_failed");
    expect(r.body.errors!.map((e) => e.field)).toContain(field);
    expect(await countEvents()).toBe(before);
  });

  it("lets only organizers create events", async () => {
    expect((await api("/api/events", { token: fan.access, body: eventBody() })).status).toBe(403);
    expect((await api("/api/events", { body: eventBody() })).status).toBe(401);
  });

  it("lists published events with filters and pagination", async () => {
    const tag = `${Date.now()}`;
    const sports = await publishedEvent(organizer, { title: `KBO Opening ${tag}`, category: "sports", start_date: inDays(200), end_date: null });
    const musical = await publishedEvent(organizer, { title: `Les Misérables ${tag}`, category: "musical", start_date: inDays(201), end_date: null });
    const byCategory = await api<{ events: EventBody[]; total: number }>(`/api/events?category=sports&from=${encodeURIComponent(inDays(199))}`);
    expect(byCategory.body.events.map((e) => e.event_id)).toContain(sports);
    expect(byCategory.body.events.map((e) => e.event_id)).not.toContain(musical);
    const window = await api<{ events: EventBody[] }>(`/api/events?from=${encodeURIComponent(inDays(200.5))}&to=${encodeURIComponent(inDays(201.5))}`);
    expect(window.body.events.map((e) => e.event_id)).toEqual([musical]);
    // Paged over a window holding exactly this test's two events (no other test's data counts): by start date.
    const both = `from=${encodeURIComponent(inDays(199.5))}&to=${encodeURIComponent(inDays(201.5))}`;
    const page = async (n: number) => (await api<{ events: EventBody[]; total: number; page: number }>(`/api/events?${both}&page_size=1&page=${n}`)).body;
    const [page1, page2, page3] = [await page(1), await page(2), await page(3)];
    expect([page1.total, page2.total, page3.total]).toEqual([2, 2, 2]);
    expect([...page1.events, ...page2.events].map((e) => e.event_id)).toEqual([sports, musical]);
    expect(page3.events).toEqual([]);
    expect((await api("/api/events?page=0")).status).toBe(422);
    expect((await api("/api/events?category=opera")).status).toBe(422);
  });

  it("shows every seat's live status and locks the seat map once published", async () => {
    const id = await publishedEvent(organizer);
    const b = await api("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-1-1"] } });
    expect(b.status).toBe(201);
    const s = await api<{ seats: { seat_id: string; status: string; price: number }[]; areas: { name: string; available: number }[] }>(`/api/events/${id}/seats`);
    expect(s.status).toBe(200);
    expect(s.body.seats).toHaveLength(20);
    expect(s.body.seats.find((x) => x.seat_id === "A-1-1")).toMatchObject({ status: "held", price: 150000 });
    expect(s.body.seats.filter((x) => x.status === "available")).toHaveLength(19);
    expect(s.body.areas).toEqual([{ name: "FLOOR", price: 99000, capacity: 100, available: 100 }]);
    const put = await api<Problem>(`/api/events/${id}`, { method: "PUT", token: organizer.access, body: { seat_map: { areas: [{ name: "X", price: 1, capacity: 1 }] } } });
    expect(put.status).toBe(409);
    expect(put.body.code).toBe("seat_map_locked");
    const renamed = await api<EventBody>(`/api/events/${id}`, { method: "PUT", token: organizer.access, body: { title: "BTS — Seoul (추가 공연)" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe("BTS — Seoul (추가 공연)");
  });

  it("lets only the event's organizer change, publish or cancel it", async () => {
    const other = await register("organizer");
    const id = await publishedEvent(organizer);
    expect((await api(`/api/events/${id}`, { method: "PUT", token: other.access, body: { title: "mine now" } })).status).toBe(403);
    expect((await api(`/api/events/${id}/cancel`, { method: "POST", token: other.access })).status).toBe(403);
    expect((await api(`/api/events/${id}/stats`, { token: other.access })).status).toBe(403);
  });

  it("cancelling an event releases its holds and stops sales", async () => {
    const id = await publishedEvent(organizer);
    const hold = await api<{ booking_id: string }>("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-2-1", "A-2-2"] } });
    expect(hold.status).toBe(201);
    const cancelled = await api<EventBody>(`/api/events/${id}/cancel`, { method: "POST", token: organizer.access });
    expect(cancelled.body.status).toBe("cancelled");
    const stats = await api<{ seats: { held: number }; status: string }>(`/api/events/${id}/stats`, { token: organizer.access });
    expect(stats.body).toMatchObject({ status: "cancelled", seats: { held: 0 } });
    const late = await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-2-3"] } });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("event_not_on_sale");
    expect((await api(`/api/events/${id}/publish`, { method: "POST", token: organizer.access })).status).toBe(409);
  });
});

describe("the rules of the sale: dates", () => {
  const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
  const until = async (at: string) => {
    const wait = Date.parse(at) - Date.now() + 250;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };

  it("refuses to publish an event that has started, and stops the room selling at the start", async () => {
    const start = soon(6000);
    const selling = await publishedEvent(organizer, { start_date: start, end_date: null });
    const draft = await api<EventBody>("/api/events", { token: organizer.access, body: eventBody({ start_date: start, end_date: null }) });
    expect(draft.status).toBe(201);
    const queued = await publishedEvent(organizer, { start_date: start, end_date: null });
    const q = await api(`/api/events/${queued}/queue`, { method: "PUT", token: organizer.access, body: { enabled: true, on_sale_at: new Date().toISOString(), admit_per_minute: 600, max_active: 100, session_minutes: 10 } });
    expect(q.status).toBe(200);
    expect((await api("/api/bookings", { token: fan.access, body: { event_id: selling, seat_ids: ["A-1-1"] } })).status).toBe(201);

    await until(start);
    const publish = await api<Problem>(`/api/events/${draft.body.event_id}/publish`, { method: "POST", token: organizer.access });
    expect(publish.status).toBe(409);
    expect(publish.body.code).toBe("event_started");
    expect((await api<EventBody>(`/api/events/${draft.body.event_id}`, { token: organizer.access })).body.status).toBe("draft");
    const late = await Promise.all(["A-1-2", "A-1-3", "A-1-4"].map((seat) => api<Problem>("/api/bookings", { token: fan.access, body: { event_id: selling, seat_ids: [seat] } })));
    expect(late.map((r) => [r.status, r.body.code])).toEqual(Array.from({ length: 3 }, () => [409, "sales_closed"]));
    const ga = await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: selling, area: "FLOOR", quantity: 1 } });
    expect([ga.status, ga.body.code]).toEqual([409, "sales_closed"]);
    const join = await api<Problem>(`/api/queue/${queued}/join`, { method: "POST", token: fan.access });
    expect([join.status, join.body.code]).toEqual([409, "sales_closed"]);
    const seats = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${selling}/seats`);
    expect(seats.body.seats.filter((s) => s.status !== "available").map((s) => s.seat_id)).toEqual(["A-1-1"]);
  });

  it("tells the room when the date of a published event moves, either way", async () => {
    const earlier = await publishedEvent(organizer);
    const later = await publishedEvent(organizer, { start_date: soon(5000), end_date: null });
    const newStart = soon(5000);
    const moved = await api<EventBody>(`/api/events/${earlier}`, { method: "PUT", token: organizer.access, body: { start_date: newStart, end_date: null } });
    expect(moved.status).toBe(200);
    const postponed = await api<EventBody>(`/api/events/${later}`, { method: "PUT", token: organizer.access, body: { start_date: inDays(30) } });
    expect(postponed.status).toBe(200);
    await until(newStart);
    const refused = await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: earlier, seat_ids: ["A-2-1"] } });
    expect([refused.status, refused.body.code]).toEqual([409, "sales_closed"]);
    expect((await api("/api/bookings", { token: fan.access, body: { event_id: later, seat_ids: ["A-2-1"] } })).status).toBe(201);
  });

  it("refuses a start_date in the past on update, draft or published, writing nothing", async () => {
    const published = await publishedEvent(organizer);
    const draft = (await api<EventBody & { start_date: string }>("/api/events", { token: organizer.access, body: eventBody() })).body;
    for (const id of [published, draft.event_id]) {
      const before = (await api<{ start_date: string }>(`/api/events/${id}`, { token: organizer.access })).body.start_date;
      for (const past of ["2001-01-01T00:00:00Z", new Date(Date.now() - 60_000).toISOString()]) {
        const r = await api<Problem>(`/api/events/${id}`, { method: "PUT", token: organizer.access, body: { start_date: past, end_date: null } });
        expect(r.status).toBe(422);
        expect(r.body.errors!.map((e) => e.field)).toContain("start_date");
      }
      expect((await api<{ start_date: string }>(`/api/events/${id}`, { token: organizer.access })).body.start_date).toBe(before);
    }
  });

  it("lets the refund window of a published event be raised but not lowered", async () => {
    const published = await publishedEvent(organizer, { refund_window_hours: 48 });
    const lower = await api<Problem & { refund_window_hours: number }>(`/api/events/${published}`, { method: "PUT", token: organizer.access, body: { refund_window_hours: 47 } });
    expect(lower.status).toBe(409);
    expect(lower.body.code).toBe("refund_window_lowered");
    expect((await api<Problem>(`/api/events/${published}`, { method: "PUT", token: organizer.access, body: { refund_window_hours: 0, title: "x" } })).status).toBe(409);
    const raised = await api<{ refund_window_hours: number; title: string }>(`/api/events/${published}`, { method: "PUT", token: organizer.access, body: { refund_window_hours: 72 } });
    expect([raised.status, raised.body.refund_window_hours]).toEqual([200, 72]);
    expect((await api<{ refund_window_hours: number; title: string }>(`/api/events/${published}`)).body).toMatchObject({ refund_window_hours: 72, title: "BTS World Tour — Seoul" });
    // A draft sells nothing yet: its organizer may set any window.
    const draft = (await api<EventBody>("/api/events", { token: organizer.access, body: eventBody({ refund_window_hours: 48 }) })).body;
    expect((await api(`/api/events/${draft.event_id}`, { method: "PUT", token: organizer.access, body: { refund_window_hours: 1 } })).status).toBe(200);
  });
});

describe("the rules of the sale under concurrent changes", () => {
  it("lets one of many concurrent date moves win, and the room sells under the terms Postgres kept", async () => {
    const id = await publishedEvent(organizer);
    const starts = Array.from({ length: 10 }, (_, i) => inDays(30 + i));
    const puts = await Promise.all(starts.map((start_date) => api<EventBody & Problem & { start_date: string; refund_closes_at: string }>(`/api/events/${id}`, { method: "PUT", token: organizer.access, body: { start_date, end_date: null } })));
    const won = puts.filter((r) => r.status === 200);
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const r of puts.filter((x) => x.status !== 200)) expect([r.status, r.body.code]).toEqual([409, "event_changed"]);
    const kept = (await api<{ start_date: string; refund_closes_at: string }>(`/api/events/${id}`)).body;
    expect(won.map((r) => r.body.start_date)).toContain(kept.start_date);
    // The refund deadline a fresh booking shows comes from the room's copy of the terms.
    const b = await api<{ refund_closes_at: string }>("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-2-2"] } });
    expect(b.status).toBe(201);
    expect(b.body.refund_closes_at).toBe(kept.refund_closes_at);
    // Every winner announced its move from the start it replaced: the chain of moves has no gaps.
    const { db, close } = await testDb();
    const updates = await db.select().from(outbox).where(and(eq(outbox.aggregateId, id), eq(outbox.eventType, "EventUpdated")));
    await close();
    expect(updates).toHaveLength(won.length);
  });
});
