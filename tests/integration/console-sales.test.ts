import { and, eq, ne } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { bookings as bookingRows, gaAreas, seats, users } from "../../src/db/schema";
import { api, eventBody, eventually, publishedEvent, register, type Session } from "../support/api";
import { contractAt } from "../support/contract";
import { testDb } from "../support/db";
import { BASE_URL } from "../support/env";
import { checkout, hold, outboxOf, type Hold } from "../support/saga";

// The organizer's console reads: my events (drafts too), an event's bookings with filters and
// cursor paging, the same as CSV (quoting, formula escaping), and refunds from the console.

interface Sale { booking_id: string; email: string; name: string; status: string; seats: string[]; area: string | null; quantity: number; total_amount: number }
interface SaleList { bookings: Sale[]; total: number; next_cursor: string | null }
interface MyEvents { events: { event_id: string; organizer_id: string; status: string; sold: number; total_seats: number }[]; next_cursor: string | null }

let organizer: Session;
let rival: Session;
let fan: Session;
/** Buyers whose names a spreadsheet would run as formulas, or that need quoting. */
let hostile: Session[];
let eventId: string;
let paid: Hold;
let held: Hold;

const HOSTILE_NAMES = ["=HYPERLINK(\"http://evil.test\",\"x\")", "+SUM(1,2)", "-2+3", "@cmd", "Kim, \"Jr\" 김"];

const bookings = (query: string, token = organizer.access, event = eventId) => api<SaleList>(`/api/events/${event}/bookings${query}`, { token });

/** The event's seats that are not available and its areas, as Postgres has them (to say what a wrong count saw). */
async function seatStates(event: string): Promise<string> {
  const h = await testDb();
  try {
    const rows = await h.db.select({ seat: seats.seatId, status: seats.status, at: seats.statusAt }).from(seats).where(and(eq(seats.eventId, event), ne(seats.status, "available")));
    const areas = await h.db.select().from(gaAreas).where(eq(gaAreas.eventId, event));
    return [...rows.map((r) => `${r.seat}=${r.status}@${r.at?.toISOString() ?? "-"}`), ...areas.map((a) => `${a.name}: held ${a.held}, sold ${a.sold}`)].join(" ");
  } finally {
    await h.close();
  }
}

/** Every page of a listing, following next_cursor. */
async function allPages(query: string): Promise<Sale[]> {
  const out: Sale[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const r = await bookings(`${query}${query ? "&" : "?"}limit=3${cursor ? `&cursor=${cursor}` : ""}`);
    expect(r.status).toBe(200);
    expect(r.body.bookings.length).toBeLessThanOrEqual(3);
    out.push(...r.body.bookings);
    cursor = r.body.next_cursor;
    if (!cursor) return out;
  }
  throw new Error("more than 100 pages");
}

/** The export as text, checked against the served contract like every other answer. */
async function exportCsv(query: string, token = organizer.access, event = eventId) {
  const path = `/api/events/${event}/bookings/export${query}`;
  const res = await fetch(BASE_URL + path, { headers: { authorization: `Bearer ${token}` } });
  // Decoded keeping the byte-order mark (Response.text() drops it), to check it is there.
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
  const isCsv = (res.headers.get("content-type") ?? "").startsWith("text/csv");
  const mismatch = (await contractAt(BASE_URL)).problemWith("GET", path, res.status, res.headers.get("content-type"), isCsv ? text : JSON.parse(text));
  if (mismatch) throw new Error(mismatch);
  return { status: res.status, text, headers: res.headers };
}

/** RFC 4180 parsing (quoted cells, doubled quotes, CRLF), to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === "\"" && text[i + 1] === "\"") { cell += "\""; i++; } else if (ch === "\"") quoted = false; else cell += ch;
    } else if (ch === "\"") quoted = true;
    else if (ch === ",") { row.push(cell); cell = ""; }
    else if (ch === "\r" && text[i + 1] === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; }
    else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

beforeAll(async () => {
  [organizer, rival, fan] = await Promise.all([register("organizer"), register("organizer"), register()]);
  hostile = await Promise.all(HOSTILE_NAMES.map((name) => register("user", { name })));
  eventId = await publishedEvent(organizer);
  paid = await hold(fan, eventId, { seat_ids: ["A-1-1"] });
  await checkout(paid, "succeeded");
  held = await hold(hostile[0]!, eventId, { seat_ids: ["A-1-2"] });
  await Promise.all(hostile.slice(1).map((who, i) => hold(who, eventId, { area: "FLOOR", quantity: i + 1 })));
  // Postgres learns bookings from the room's outbox: wait (bounded) until it has all seven, the payment included.
  await eventually(async () => {
    const r = await bookings("?status=confirmed");
    const all = await bookings("");
    return r.body.total === 1 && all.body.total === 2 + HOSTILE_NAMES.length - 1 ? true : undefined;
  }, 60_000, "the event's bookings in Postgres");
}, 180_000);

describe("GET /api/events/{id}/bookings", () => {
  it("lists the event's bookings with buyer, items and state, newest first", async () => {
    const r = await bookings("");
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(6);
    const mine = r.body.bookings.find((b) => b.booking_id === paid.booking_id);
    expect(mine).toMatchObject({ email: fan.email, status: "confirmed", seats: ["A-1-1"], area: null, quantity: 1, total_amount: 150000 });
    const floor = r.body.bookings.find((b) => b.email === hostile[2]!.email);
    expect(floor).toMatchObject({ seats: [], area: "FLOOR", quantity: 2, status: "reserved", total_amount: 2 * 99000 });
  });

  it("filters by status, by booking id or part of an e-mail, and by when the booking was made", async () => {
    expect((await bookings("?status=confirmed")).body.bookings.map((b) => b.booking_id)).toEqual([paid.booking_id]);
    expect((await bookings("?status=refunded")).body.total).toBe(0);
    expect((await bookings("?status=reserved")).body.total).toBe(5);
    expect((await bookings(`?q=${held.booking_id}`)).body.bookings.map((b) => b.booking_id)).toEqual([held.booking_id]);
    expect((await bookings(`?q=${held.booking_id.slice(0, 8).toUpperCase()}`)).body.bookings.map((b) => b.booking_id)).toContain(held.booking_id);
    const local = fan.email.split("@")[0]!.slice(-10).toUpperCase();
    expect((await bookings(`?q=${encodeURIComponent(local)}`)).body.bookings.map((b) => b.email)).toEqual([fan.email]);
    // `like` wildcards are literal: "%" matches no e-mail.
    expect((await bookings("?q=%25")).body.total).toBe(0);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await bookings(`?from=${encodeURIComponent(future)}`)).body.total).toBe(0);
    expect((await bookings(`?to=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`)).body.total).toBe(0);
    expect((await bookings(`?from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}&to=${encodeURIComponent(future)}&status=confirmed`)).body.total).toBe(1);
  });

  it("pages by cursor without repeating or skipping a booking, also while bookings arrive", async () => {
    const before = await allPages("");
    expect(new Set(before.map((b) => b.booking_id)).size).toBe(6);
    // Concurrent readers and a new booking meanwhile: a cursor page never repeats a row.
    const [, ...pages] = await Promise.all([
      register().then(async (late) => {
        const b = await hold(late, eventId, { seat_ids: ["A-2-9"] });
        return api(`/api/bookings/${b.booking_id}/cancel`, { method: "POST", token: late.access });
      }),
      ...Array.from({ length: 12 }, () => allPages("?status=reserved")),
    ]);
    for (const p of pages) {
      expect(new Set(p.map((b) => b.booking_id)).size).toBe(p.length);
      expect(p.every((b) => b.status === "reserved")).toBe(true);
    }
  });

  it("refuses fans and other organizers (403), unknown events and others' drafts (404), bad filters (422)", async () => {
    expect((await bookings("", fan.access)).status).toBe(403);
    expect((await bookings("", rival.access)).status).toBe(403);
    expect((await bookings("", organizer.access, crypto.randomUUID())).status).toBe(404);
    const draft = await api<{ event_id: string }>("/api/events", { token: rival.access, body: eventBody() });
    expect((await bookings("", organizer.access, draft.body.event_id)).status).toBe(404);
    expect((await api(`/api/events/${eventId}/bookings`)).status).toBe(401);
    for (const q of ["?cursor=abc", "?limit=0", "?limit=201", "?status=paid", "?from=yesterday", `?from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(new Date(Date.now() - 1000).toISOString())}`, "?q=a&q=b", "?page=2"]) {
      const r = await bookings(q);
      expect(r.status, q).toBe(422);
    }
  });

  it("never shows another event's bookings", async () => {
    const other = await publishedEvent(rival);
    const theirs = await hold(fan, other, { seat_ids: ["A-1-1"] });
    await eventually(async () => ((await bookings("", rival.access, other)).body.total === 1 ? true : undefined), 30_000, "the rival's booking in Postgres");
    const all = await allPages("");
    expect(all.map((b) => b.booking_id)).not.toContain(theirs.booking_id);
    expect((await bookings(`?q=${theirs.booking_id}`)).body.total).toBe(0);
  });
});

describe("GET /api/events/{id}/bookings/export", () => {
  it("is the same rows as CSV: a header, RFC 4180 quoting, formula-looking text escaped", async () => {
    const r = await exportCsv("");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="bookings-${eventId}.csv"`);
    expect(r.text.startsWith("\ufeff")).toBe(true);
    const [header, ...rows] = parseCsv(r.text.slice(1));
    expect(header).toEqual(["booking_id", "created_at", "status", "email", "name", "seats", "area", "quantity", "total_amount", "currency"]);
    expect(rows).toHaveLength((await bookings("")).body.total);
    const names = rows.map((row) => row[4]);
    for (const name of HOSTILE_NAMES) {
      // Text starting with = + - @ gets an apostrophe in front; the rest is as typed, quotes and commas intact.
      expect(names).toContain(/^[=+\-@]/.test(name) ? `'${name}` : name);
    }
    expect(rows.every((row) => !/^[=+\-@]/.test(row[4] ?? ""))).toBe(true);
    expect(r.text).toContain("\"Kim, \"\"Jr\"\" 김\"");
    expect(rows.find((row) => row[0] === paid.booking_id)).toEqual([paid.booking_id, expect.any(String), "confirmed", fan.email, "Test Fan", "A-1-1", "", "1", "150000", "KRW"]);
  });

  it("takes the same filters, and the same refusals", async () => {
    const confirmed = parseCsv((await exportCsv("?status=confirmed")).text.slice(1));
    expect(confirmed.slice(1).map((row) => row[0])).toEqual([paid.booking_id]);
    const byEmail = parseCsv((await exportCsv(`?q=${encodeURIComponent(hostile[3]!.email)}`)).text.slice(1));
    expect(byEmail.slice(1).map((row) => row[3])).toEqual([hostile[3]!.email]);
    expect((await exportCsv("", fan.access)).status).toBe(403);
    expect((await exportCsv("", rival.access)).status).toBe(403);
    expect((await exportCsv("", organizer.access, crypto.randomUUID())).status).toBe(404);
    expect((await exportCsv("?status=nope")).status).toBe(422);
    expect((await exportCsv("?limit=5")).status).toBe(422);
  });
});

describe("a large export", () => {
  it("streams every row of an event with more bookings than one batch, each once, in the listing's order", async () => {
    // Rows written straight to Postgres (the export reads only Postgres): 2,345 ended bookings (none confirmed, so no payment
    // invariant elsewhere is touched), more than two of the export's batches.
    const big = await publishedEvent(organizer);
    const n = 2345;
    const base = Date.now() - 3600_000;
    const rows = Array.from({ length: n }, (_, i) => ({
      bookingId: crypto.randomUUID(), eventId: big, userId: hostile[i % hostile.length]!.userId, status: i % 3 === 0 ? "expired" as const : "cancelled" as const,
      // Many share a millisecond, so the cursor's tie-break on the id is exercised too.
      totalAmount: 1000 + i, currency: "KRW", expiresAt: new Date(base + 600_000), createdAt: new Date(base + Math.floor(i / 7)), updatedAt: new Date(base),
    }));
    const h = await testDb();
    try {
      for (let i = 0; i < n; i += 500) await h.db.insert(bookingRows).values(rows.slice(i, i + 500));
    } finally {
      await h.close();
    }
    const r = await exportCsv("", organizer.access, big);
    expect(r.status).toBe(200);
    const [, ...lines] = parseCsv(r.text.slice(1));
    expect(lines).toHaveLength(n);
    expect(new Set(lines.map((l) => l[0])).size).toBe(n);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof bookings>> = await bookings(`?limit=200${cursor ? `&cursor=${cursor}` : ""}`, organizer.access, big);
      listed.push(...page.body.bookings.map((b) => b.booking_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(lines.map((l) => l[0])).toEqual(listed);
    const expired = parseCsv((await exportCsv("?status=expired", organizer.access, big)).text.slice(1)).slice(1);
    expect(expired).toHaveLength(Math.ceil(n / 3));
  }, 120_000);
});

describe("refunds from the console", () => {
  it("many concurrent refunds of one booking by its organizer make one refund", async () => {
    const b = await hold(fan, eventId, { seat_ids: ["A-2-1"] });
    await checkout(b, "succeeded");
    await eventually(async () => ((await bookings(`?q=${b.booking_id}&status=confirmed`)).body.total === 1 ? true : undefined), 30_000, "the paid booking");
    const answers = await Promise.all(Array.from({ length: 24 }, () => api<{ status: string }>(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: organizer.access })));
    expect(answers.map((a) => a.status)).toEqual(Array(24).fill(202));
    // Another organizer and a fan who did not buy it cannot.
    expect((await api(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: rival.access })).status).toBe(404);
    await eventually(async () => ((await bookings(`?q=${b.booking_id}&status=refunded`)).body.total === 1 ? true : undefined), 30_000, "the refund in Postgres");
    const h = await testDb();
    try {
      const messages = await outboxOf(h.db, [b.booking_id]);
      expect(messages.filter((m) => m.event_type === "RefundProcessed")).toHaveLength(1);
    } finally {
      await h.close();
    }
    // The seat is on sale again, once.
    const again = await hold(fan, eventId, { seat_ids: ["A-2-1"] });
    expect(again.status).toBe("reserved");
  });
});

describe("GET /api/organizer/events", () => {
  it("lists my events, drafts and cancelled ones too, with what sold; never another organizer's; admins see all", async () => {
    const draft = await api<{ event_id: string }>("/api/events", { token: organizer.access, body: eventBody() });
    const cancelled = await publishedEvent(organizer);
    expect((await api(`/api/events/${cancelled}/cancel`, { method: "POST", token: organizer.access })).status).toBe(200);
    const theirs = await api<{ event_id: string }>("/api/events", { token: rival.access, body: eventBody() });
    // Sales elsewhere (seats and a general-admission area) count for their event only.
    const elsewhere = await publishedEvent(rival);
    await checkout(await hold(fan, elsewhere, { seat_ids: ["A-1-1", "A-1-2"] }), "succeeded");
    await checkout(await hold(hostile[1]!, elsewhere, { area: "FLOOR", quantity: 3 }), "succeeded");
    await eventually(async () => {
      const sold = (await api<MyEvents>("/api/organizer/events?status=published", { token: rival.access })).body.events.find((e) => e.event_id === elsewhere)?.sold;
      if (sold !== 5) throw new Error(`sold is ${String(sold)}: ${await seatStates(elsewhere)}`);
      return true;
    }, 30_000, "five sold in the rival's event");
    const all: MyEvents["events"] = [];
    let cursor: string | null = null;
    do {
      const r: Awaited<ReturnType<typeof api<MyEvents>>> = await api<MyEvents>(`/api/organizer/events?limit=1${cursor ? `&cursor=${cursor}` : ""}`, { token: organizer.access });
      expect(r.status).toBe(200);
      all.push(...r.body.events);
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(new Set(all.map((e) => e.event_id)).size).toBe(all.length);
    expect(all.every((e) => e.organizer_id === organizer.userId)).toBe(true);
    const ids = all.map((e) => e.event_id);
    expect(ids).toEqual(expect.arrayContaining([eventId, draft.body.event_id, cancelled]));
    expect(ids).not.toContain(theirs.body.event_id);
    expect(all.find((e) => e.event_id === draft.body.event_id)?.status).toBe("draft");
    const drafts = await api<MyEvents>("/api/organizer/events?status=draft", { token: organizer.access });
    expect(drafts.body.events.map((e) => e.event_id)).toEqual([draft.body.event_id]);
    await eventually(async () => {
      const r = await api<MyEvents>("/api/organizer/events?status=published", { token: organizer.access });
      const sold = r.body.events.find((e) => e.event_id === eventId)?.sold;
      if (sold !== 1) throw new Error(`sold is ${String(sold)}: ${await seatStates(eventId)}`);
      return true;
    }, 30_000, "one seat sold");
    expect((await api("/api/organizer/events", { token: fan.access })).status).toBe(403);
    expect((await api("/api/organizer/events")).status).toBe(401);
    expect((await api("/api/organizer/events?cursor=zzz", { token: organizer.access })).status).toBe(422);
    // An admin sees everyone's.
    const staff = await register();
    const h = await testDb();
    await h.db.update(users).set({ role: "admin" }).where(eq(users.userId, staff.userId));
    await h.close();
    const login = await api<{ access_token: string }>("/api/auth/login", { body: { email: staff.email, password: "correct horse battery" } });
    const seen = new Set<string>();
    cursor = null;
    for (let i = 0; i < 200; i++) {
      const r: Awaited<ReturnType<typeof api<MyEvents>>> = await api<MyEvents>(`/api/organizer/events?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token: login.body.access_token });
      r.body.events.forEach((e) => seen.add(e.event_id));
      cursor = r.body.next_cursor;
      if (!cursor || (seen.has(theirs.body.event_id) && seen.has(draft.body.event_id))) break;
    }
    expect(seen.has(theirs.body.event_id) && seen.has(draft.body.event_id)).toBe(true);
  });
});
