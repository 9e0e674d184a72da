/**
 * The embedded default (what `npm start` serves) must answer exactly as PostgreSQL does under
 * any concurrency: every connection sees its own rows, its own parameters and its own
 * transaction, and a transaction left open stalls nobody else. Its predecessor (PGlite behind a
 * socket multiplexer) failed all of this: answers crossed between connections.
 */
import { and, eq, inArray, sql, TransactionRollbackError } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { closeSharedProxy, openNodeDb } from "../../workers/db";
import { bookings, seats, users } from "../../src/db/schema";
import { api, eventually, pool, publishedEvent, register, type Session } from "../support/api";
import { DATABASE_URL, EMBEDDED_BASE_URL, EMBEDDED_DATABASE_URL } from "../support/env";

const POOLS = 24;
const ROUNDS = 10;

type Handle = Awaited<ReturnType<typeof openNodeDb>>;

/** An error and what caused it (drizzle wraps the driver's error as `cause`). */
const explain = (e: unknown): string => (e instanceof Error ? `${e.message}${e.cause ? ` ← ${explain(e.cause)}` : ""}` : String(e));

/**
 * One client of many: a pool of its own (as the Worker opens one per request) that writes its own
 * row and then, round after round, reads it back, echoes its own parameters and changes the row
 * in transactions (every third one rolled back). Returns every answer that was not its own.
 */
async function ownClient(h: Handle, tag: string): Promise<string[]> {
  const wrong: string[] = [];
  const userId = crypto.randomUUID();
  let name = `${tag}-r0`;
  await h.db.insert(users).values({ userId, email: `${tag}@probe.ticketing.test`, passwordHash: "x", name });
  for (let round = 1; round <= ROUNDS; round++) {
    const [[row], echo] = await Promise.all([
      h.db.select({ id: users.userId, name: users.name }).from(users).where(eq(users.userId, userId)),
      h.db.execute<{ tag: string; round: number }>(sql`SELECT ${tag}::text AS tag, ${round}::int AS round`),
    ]);
    if (row?.id !== userId || row.name !== name) wrong.push(`${tag} round ${round}: read ${JSON.stringify(row)}, expected ${name}`);
    const e = echo.rows[0];
    if (e?.tag !== tag || e.round !== round) wrong.push(`${tag} round ${round}: echo ${JSON.stringify(e)}`);

    const next = `${tag}-r${round}`;
    const rollback = round % 3 === 0;
    try {
      await h.db.transaction(async (tx) => {
        await tx.update(users).set({ name: next }).where(eq(users.userId, userId));
        // Session state set in this transaction must be this transaction's alone.
        await tx.execute(sql`SELECT set_config('probe.tag', ${next}, true)`);
        const [inside] = await tx.select({ name: users.name }).from(users).where(eq(users.userId, userId));
        if (inside?.name !== next) wrong.push(`${tag} round ${round}: inside the transaction read ${inside?.name}, expected ${next}`);
        const setting = (await tx.execute<{ tag: string }>(sql`SELECT current_setting('probe.tag') AS tag`)).rows[0]?.tag;
        if (setting !== next) wrong.push(`${tag} round ${round}: session setting ${setting}, expected ${next}`);
        if (rollback) tx.rollback();
      });
    } catch (err) {
      if (!(rollback && err instanceof TransactionRollbackError)) throw err;
    }
    if (!rollback) name = next;
  }
  const [last] = await h.db.select({ name: users.name }).from(users).where(eq(users.userId, userId));
  if (last?.name !== name) wrong.push(`${tag}: finally read ${last?.name}, expected ${name}`);
  await h.db.delete(users).where(eq(users.userId, userId));
  return wrong;
}

describe.each([["PostgreSQL", DATABASE_URL], ["the embedded default", EMBEDDED_DATABASE_URL]])("Neon driver pools through the WS proxy → %s", (_name, url) => {
  afterAll(async () => { await closeSharedProxy(); });

  it(`${POOLS} pools at once, each with its own rows and transactions, get only their own answers`, async () => {
    const handles = await Promise.all(Array.from({ length: POOLS }, () => openNodeDb(url, 2)));
    try {
      const run = crypto.randomUUID().slice(0, 8);
      const results = await Promise.allSettled(handles.map((h, i) => ownClient(h, `probe-${run}-${i}`)));
      const failures = results.flatMap((r) => (r.status === "fulfilled" ? r.value : [`error: ${explain(r.reason)}`]));
      expect(failures).toEqual([]);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it("a transaction left open stalls no other connection", async () => {
    const others = await Promise.all(Array.from({ length: 8 }, () => openNodeDb(url, 1)));
    const holder = await openNodeDb(url, 1);
    const userId = crypto.randomUUID();
    let answered = 0;
    try {
      await holder.db.transaction(async (tx) => {
        await tx.insert(users).values({ userId, email: `${userId}@probe.ticketing.test`, passwordHash: "x", name: "held" });
        // While this transaction stays open, every other connection must keep being served.
        const work = Promise.allSettled(others.map(async (h, i) => {
          for (let k = 0; k < 5; k++) {
            const r = await h.db.execute<{ v: number }>(sql`SELECT ${i * 100 + k}::int AS v`);
            if (r.rows[0]?.v === i * 100 + k) answered++;
          }
        }));
        await eventually(async () => (answered === others.length * 5 ? true : undefined), 60_000, "the other connections' answers while a transaction is open");
        expect((await work).filter((r) => r.status === "rejected")).toEqual([]);
      });
      const [row] = await holder.db.select({ name: users.name }).from(users).where(eq(users.userId, userId));
      expect(row?.name).toBe("held");
    } finally {
      await holder.db.delete(users).where(eq(users.userId, userId)).catch(() => {});
      await Promise.all([holder, ...others].map((h) => h.close()));
    }
  });
});

describe("the Worker on the embedded default, over HTTP", () => {
  const REGISTRATIONS = 150;

  it(`${REGISTRATIONS} concurrent registrations with fresh emails all succeed, and each token reads its own profile`, async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const accounts = await Promise.all(Array.from({ length: REGISTRATIONS }, async (_, i) => {
      const email = `fan-${run}-${i}@test.ticketing.pro`;
      const name = `Fan ${run} ${i}`;
      const r = await api<{ user: { user_id: string }; access_token: string }>("/api/auth/register", {
        base: EMBEDDED_BASE_URL, body: { email, password: "correct horse battery", name },
      });
      return { email, name, status: r.status, ...(r.status === 201 ? { userId: r.body.user.user_id, token: r.body.access_token } : {}) };
    }));
    const statuses: Record<number, number> = {};
    for (const a of accounts) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    expect(statuses).toEqual({ 201: REGISTRATIONS });
    expect(new Set(accounts.map((a) => a.userId)).size).toBe(REGISTRATIONS);

    // Twice over, all at once: each token must read its own account, never a neighbour's.
    const reads = await Promise.all([...accounts, ...accounts].map(async (a) => {
      const r = await api<{ user: { user_id: string; email: string; name: string } }>("/api/auth/me", { base: EMBEDDED_BASE_URL, token: a.token });
      return r.status === 200 && r.body.user.user_id === a.userId && r.body.user.email === a.email && r.body.user.name === a.name
        ? "own" : `${a.email}: ${r.status} ${JSON.stringify(r.body)}`;
    }));
    expect(reads.filter((r) => r !== "own")).toEqual([]);

    // Writes mixed with reads: every account renames itself at once, then reads itself back.
    const renamed = await Promise.all(accounts.map(async (a) => {
      const name = `${a.name} (renamed)`;
      const [put, get] = await Promise.all([
        api<{ user: { user_id: string; name: string } }>("/api/auth/me", { base: EMBEDDED_BASE_URL, method: "PUT", token: a.token, body: { name } }),
        api<{ user: { user_id: string } }>("/api/auth/me", { base: EMBEDDED_BASE_URL, token: a.token }),
      ]);
      const after = await api<{ user: { user_id: string; name: string } }>("/api/auth/me", { base: EMBEDDED_BASE_URL, token: a.token });
      return put.status === 200 && put.body.user.user_id === a.userId && put.body.user.name === name && get.body.user.user_id === a.userId
        && after.body.user.user_id === a.userId && after.body.user.name === name ? "own" : `${a.email}: ${put.status} ${JSON.stringify(after.body)}`;
    }));
    expect(renamed.filter((r) => r !== "own")).toEqual([]);
  });

  it("concurrent reads of distinct events, mixed with profile reads, each return their own", async () => {
    const organizer: Session = await register("organizer", {}, EMBEDDED_BASE_URL);
    const run = crypto.randomUUID().slice(0, 8);
    const titles = Array.from({ length: 24 }, (_, i) => `Probe ${run} #${i}`);
    const ids = await pool(4, titles.map((title) => () => publishedEvent(organizer, { title }, EMBEDDED_BASE_URL)));
    const fans = await pool(8, Array.from({ length: 40 }, () => () => register("user", {}, EMBEDDED_BASE_URL)));
    const tasks: (() => Promise<string>)[] = [];
    for (let k = 0; k < 6; k++) {
      ids.forEach((id, i) => tasks.push(async () => {
        const r = await api<{ event_id: string; title: string }>(`/api/events/${id}`, { base: EMBEDDED_BASE_URL });
        return r.status === 200 && r.body.event_id === id && r.body.title === titles[i] ? "own" : `event ${id}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
      }));
    }
    for (const fan of [...fans, ...fans]) tasks.push(async () => {
      const r = await api<{ user: { user_id: string; email: string } }>("/api/auth/me", { base: EMBEDDED_BASE_URL, token: fan.access });
      return r.status === 200 && r.body.user.user_id === fan.userId && r.body.user.email === fan.email ? "own" : `${fan.email}: ${r.status} ${JSON.stringify(r.body)}`;
    });
    // Shuffled, then all in flight at once.
    for (let i = tasks.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [tasks[i], tasks[j]] = [tasks[j]!, tasks[i]!];
    }
    const answers = await Promise.all(tasks.map((t) => t()));
    expect(answers.filter((a) => a !== "own")).toEqual([]);
  });

  it("concurrent bookings on several events: 201 or 409 only, no seat held twice, and Postgres records each booking for its own buyer", async () => {
    const organizer = await register("organizer", {}, EMBEDDED_BASE_URL);
    const seatMap = { sections: [{ name: "A", price: 50000, rows: [{ label: "1", seats: 12 }] }] };
    const events = await pool(3, Array.from({ length: 3 }, (_, i) => () => publishedEvent(organizer, { title: `Booking probe ${i}`, seat_map: seatMap }, EMBEDDED_BASE_URL)));
    const fans = await pool(8, Array.from({ length: 30 }, () => () => register("user", {}, EMBEDDED_BASE_URL)));
    const attempts = Array.from({ length: 150 }, (_, i) => {
      const start = (i * 5) % 12;
      const wanted = [...new Set([`A-1-${start + 1}`, `A-1-${((start + 7) % 12) + 1}`].slice(0, 1 + (i % 2)))];
      return { fan: fans[i % fans.length]!, eventId: events[i % events.length]!, wanted };
    });
    const results = await Promise.all(attempts.map((a) =>
      api<{ booking_id: string; seats: string[] }>("/api/bookings", { base: EMBEDDED_BASE_URL, token: a.fan.access, body: { event_id: a.eventId, seat_ids: a.wanted } })));
    const statuses = new Set(results.map((r) => r.status));
    expect([...statuses].filter((st) => st !== 201 && st !== 409)).toEqual([]);

    const buyerOf = new Map<string, string>();
    for (const eventId of events) {
      const won = results.map((r, i) => ({ r, a: attempts[i]! })).filter(({ r, a }) => r.status === 201 && a.eventId === eventId);
      const held = won.flatMap(({ r }) => r.body.seats);
      expect(new Set(held).size).toBe(held.length);
      expect(won.length).toBeGreaterThan(0);
      for (const { r, a } of won) buyerOf.set(r.body.booking_id, a.fan.userId);
      await eventually(async () => {
        const st = await api<{ outbox_pending: number }>(`/api/events/${eventId}/stats`, { base: EMBEDDED_BASE_URL, token: organizer.access });
        return st.status === 200 && st.body.outbox_pending === 0 ? true : undefined;
      }, 60_000, "the room's outbox to reach Postgres");
    }

    const h = await openNodeDb(EMBEDDED_DATABASE_URL, 1);
    try {
      const rows = await h.db.select({ bookingId: bookings.bookingId, userId: bookings.userId }).from(bookings).where(inArray(bookings.eventId, events));
      expect(rows.length).toBe(buyerOf.size);
      expect(rows.filter((b) => buyerOf.get(b.bookingId) !== b.userId)).toEqual([]);
      const heldRows = await h.db.select({ n: sql<number>`count(*)::int` }).from(seats).where(and(inArray(seats.eventId, events), eq(seats.status, "held")));
      expect(heldRows[0]?.n).toBe(results.filter((r) => r.status === 201).reduce((n, r) => n + r.body.seats.length, 0));
    } finally {
      await h.close();
    }
  });
});
