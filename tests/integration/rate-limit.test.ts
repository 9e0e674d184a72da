import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { and, eq, inArray } from "drizzle-orm";
import { outbox, tickets } from "../../src/db/schema";
import { api, eventually, publishedEvent, type Session } from "../support/api";
import { contractAt } from "../support/contract";
import { testDb } from "../support/db";
import { REDIS_URL, STRIPE_BASE_URL } from "../support/env";
import { openCheckout } from "../support/saga";
import { intentObject, postWebhook, signedEvent } from "../support/stripe";

// The Stripe-mode Worker runs with the seed's limits (wrangler.toml's top level): rate limits are
// the Workers rate-limiting binding as wrangler dev runs it; session revocations go to Upstash
// (@upstash/redis through the Upstash-compatible REST front, against a real redis-server).
const redis = new Redis(REDIS_URL);
afterAll(() => redis.disconnect());
/**
 * The binding counts in fixed minutes, so a burst that straddles a minute boundary gets a fresh
 * count midway. Bursts that count exact numbers start with at least `seconds` left in the minute.
 */
async function awayFromMinuteBoundary(seconds = 15): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < seconds * 1000) await new Promise((r) => setTimeout(r, left + 100));
}
/** An address no other test of this run uses (documentation IPv6 range). */
const freshIp = () => `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;
/** An account on the Stripe-mode Worker, registered from an address of its own (registrations are limited per IP). */
async function account(role: "user" | "organizer" = "user"): Promise<Session> {
  const email = `rl-${role}-${crypto.randomUUID()}@test.ticketing.pro`;
  const r = await api<{ user: { user_id: string }; access_token: string; refresh_token: string }>("/api/auth/register", {
    base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": freshIp() }, body: { email, password: "correct horse battery", name: "RL", account_type: role },
  });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { userId: r.body.user.user_id, email, access: r.body.access_token, refresh: r.body.refresh_token };
}

describe("rate limits (Workers rate-limiting binding; revocations in real Redis)", () => {
  it("keeps session revocations in the same store", async () => {
    const reg = await api<{ access_token: string; refresh_token: string }>("/api/auth/register", {
      base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": "192.0.2.10" },
      body: { email: `rv-${crypto.randomUUID()}@test.ticketing.pro`, password: "correct horse battery", name: "RV" },
    });
    expect(reg.status).toBe(201);
    expect((await api("/api/auth/logout", { base: STRIPE_BASE_URL, body: { refresh_token: reg.body.refresh_token } })).status).toBe(204);
    expect((await api("/api/auth/me", { base: STRIPE_BASE_URL, token: reg.body.access_token })).status).toBe(401);
    const sid = (JSON.parse(Buffer.from(reg.body.access_token.split(".")[1]!, "base64url").toString()) as { sid: string }).sid;
    expect(await redis.exists(`tp:revoked:${sid}`)).toBe(1);
    expect(await redis.ttl(`tp:revoked:${sid}`)).toBeGreaterThan(800);
  });

  it("allows 5 registrations a minute per IP, then 429 with Retry-After", async () => {
    const from = freshIp();
    await awayFromMinuteBoundary();
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      const r = await api<{ code?: string; retry_after_seconds?: number }>("/api/auth/register", {
        base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": from },
        body: { email: `rl-${crypto.randomUUID()}@test.ticketing.pro`, password: "correct horse battery", name: "RL" },
      });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.body.code).toBe("rate_limited");
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(r.headers.get("content-type")).toContain("application/problem+json");
      }
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    // Another IP is not affected.
    const other = await api("/api/auth/register", { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": freshIp() }, body: { email: `rl-${crypto.randomUUID()}@t.kr`, password: "correct horse battery", name: "RL" } });
    expect(other.status).toBe(201);
  });

  it("limits logins per account even when each attempt comes from a new IP", async () => {
    const email = `victim-${crypto.randomUUID()}@test.ticketing.pro`;
    const statuses = [];
    await awayFromMinuteBoundary();
    for (let i = 0; i < 12; i++) {
      statuses.push((await api("/api/auth/login", { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": freshIp() }, body: { email, password: "wrong horse battery" } })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array<number>(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it("limits public search to 120 a minute per IP (search and autocomplete share it)", async () => {
    const from = freshIp();
    await awayFromMinuteBoundary();
    const statuses = await Promise.all(Array.from({ length: 125 }, (_, i) =>
      api(i % 2 ? "/api/search?q=seoul" : "/api/search/autocomplete?q=se", { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": from } }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(120);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect((await api("/api/search?q=seoul", { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": freshIp() } })).status).toBe(200);
  });

  it("limits /health to 60 a minute per IP", async () => {
    const from = freshIp();
    await awayFromMinuteBoundary();
    const answers = await Promise.all(Array.from({ length: 64 }, () => api<{ code?: string }>("/health", { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": from } })));
    expect(answers.filter((r) => r.status === 429)).toHaveLength(4);
    expect(answers.filter((r) => r.status === 429).every((r) => r.body.code === "rate_limited" && Number(r.headers.get("retry-after")) > 0)).toBe(true);
    expect(answers.filter((r) => r.status !== 429).every((r) => r.status === 200)).toBe(true);
  });

  it("limits event reads to 100 a minute per IP", async () => {
    const from = freshIp();
    await awayFromMinuteBoundary();
    const statuses = await Promise.all(Array.from({ length: 105 }, () => api("/api/events?page_size=1", { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": from } }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });

  it("limits bookings to 20 a minute per account (from any IP) and per IP (for any account), concurrently; refused ones never reach the room", async () => {
    const organizer = await account("organizer");
    const eventId = await publishedEvent(organizer, { seat_map: { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 50 }] }] } }, STRIPE_BASE_URL);
    const one = await account();
    const many = await Promise.all(Array.from({ length: 24 }, () => account()));
    await awayFromMinuteBoundary();
    // One account, 24 attempts at once, each from its own address (one seat each: past the hold cap of 8 the room answers 409, not 429).
    const byAccount = await Promise.all(Array.from({ length: 24 }, (_, i) => api<{ code?: string }>("/api/bookings", {
      base: STRIPE_BASE_URL, token: one.access, headers: { "cf-connecting-ip": freshIp() }, body: { event_id: eventId, seat_ids: [`A-1-${i + 1}`] },
    })));
    expect(byAccount.filter((r) => r.status === 429)).toHaveLength(4);
    expect(byAccount.filter((r) => r.status === 429).every((r) => r.body.code === "rate_limited" && Number(r.headers.get("retry-after")) > 0)).toBe(true);
    // 24 accounts at once from one address.
    const from = freshIp();
    const byIp = await Promise.all(many.map((u, i) => api<{ code?: string }>("/api/bookings", {
      base: STRIPE_BASE_URL, token: u.access, headers: { "cf-connecting-ip": from }, body: { event_id: eventId, seat_ids: [`A-1-${i + 26}`] },
    })));
    expect(byIp.filter((r) => r.status === 429)).toHaveLength(4);
    expect(byIp.filter((r) => r.status !== 429).every((r) => r.status === 201)).toBe(true);
    // Only what got through holds seats: a refused request never reached the room.
    const seats = await api<{ seats: { status: string }[] }>(`/api/events/${eventId}/seats`, { base: STRIPE_BASE_URL, headers: { "cf-connecting-ip": freshIp() } });
    const held = seats.body.seats.filter((x) => x.status !== "available").length;
    expect(held).toBe([...byAccount, ...byIp].filter((r) => r.status === 201).length);
  });
});

/** A raw GET of the CSV export (api() reads JSON): the status, headers and text, checked against the served contract. */
async function exportCsv(who: Session, eventId: string, ip: string): Promise<{ status: number; headers: Headers; text: string }> {
  const path = `/api/events/${eventId}/bookings/export`;
  const res = await fetch(`${STRIPE_BASE_URL}${path}`, { headers: { authorization: `Bearer ${who.access}`, "cf-connecting-ip": ip } });
  // Keeping the byte-order mark, which the export starts with.
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
  const body: unknown = res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  const mismatch = (await contractAt(STRIPE_BASE_URL)).problemWith("GET", path, res.status, res.headers.get("content-type"), body);
  if (mismatch) throw new Error(`export breaks the contract: ${mismatch}`);
  return { status: res.status, headers: res.headers, text };
}

const refusedProperly = (r: { status: number; headers: Headers; text: string }) =>
  r.headers.get("content-type")?.includes("application/problem+json") === true && Number(r.headers.get("retry-after")) > 0
  && (JSON.parse(r.text) as { code?: string }).code === "rate_limited";

/** `quantity` paid places of FLOOR for `fan` on the Stripe-mode Worker (hold, intent through stripe-mock, signed webhook), from an address of its own. */
async function paidPlaces(fan: Session, eventId: string, quantity: number): Promise<string> {
  const held = await api<{ booking_id: string; event_id: string; user_id: string; total_amount: number }>("/api/bookings", {
    base: STRIPE_BASE_URL, token: fan.access, headers: { "cf-connecting-ip": freshIp() }, body: { event_id: eventId, area: "FLOOR", quantity },
  });
  if (held.status !== 201) throw new Error(`hold failed: ${held.status} ${JSON.stringify(held.body)}`);
  const pay = await openCheckout(fan.access, held.body.booking_id, STRIPE_BASE_URL);
  const hook = await postWebhook(signedEvent("payment_intent.succeeded", intentObject(pay.payment_intent_id, held.body)), STRIPE_BASE_URL);
  if (hook.body.outcome !== "confirmed") throw new Error(`payment not confirmed: ${JSON.stringify(hook.body)}`);
  return held.body.booking_id;
}

describe("rate limits of the console's export, ticket transfers and gate-account creation", () => {
  it("limits the bookings CSV export to 5 a minute per organizer (from any IP) and per IP (for any organizer), concurrently; others unaffected", async () => {
    const organizer = await account("organizer");
    const eventId = await publishedEvent(organizer, {}, STRIPE_BASE_URL);
    const others = await Promise.all(Array.from({ length: 8 }, () => account("organizer")));
    const otherEvents = await Promise.all(others.map((o) => publishedEvent(o, {}, STRIPE_BASE_URL)));
    await awayFromMinuteBoundary();
    // One organizer, 8 exports at once, each from its own address.
    const byAccount = await Promise.all(Array.from({ length: 8 }, () => exportCsv(organizer, eventId, freshIp())));
    expect(byAccount.filter((r) => r.status === 200)).toHaveLength(5);
    expect(byAccount.filter((r) => r.status === 200).every((r) => r.text.startsWith("\ufeffbooking_id,"))).toBe(true);
    expect(byAccount.filter((r) => r.status === 429)).toHaveLength(3);
    expect(byAccount.filter((r) => r.status === 429).every(refusedProperly)).toBe(true);
    // 8 organizers at once from one address.
    const from = freshIp();
    const byIp = await Promise.all(others.map((o, i) => exportCsv(o, otherEvents[i]!, from)));
    expect(byIp.filter((r) => r.status === 200)).toHaveLength(5);
    expect(byIp.filter((r) => r.status === 429)).toHaveLength(3);
    expect(byIp.filter((r) => r.status === 429).every(refusedProperly)).toBe(true);
    // Another organizer elsewhere is not affected.
    const fresh = await account("organizer");
    expect((await exportCsv(fresh, await publishedEvent(fresh, {}, STRIPE_BASE_URL), freshIp())).status).toBe(200);
  });

  it("limits transfers to 10 a minute per sender, concurrently: a refused transfer moves no ticket and queues no mail; another sender is unaffected", async () => {
    const organizer = await account("organizer");
    const eventId = await publishedEvent(organizer, { seat_map: { areas: [{ name: "FLOOR", price: 1000, capacity: 40 }] } }, STRIPE_BASE_URL);
    const [fan, other, to] = await Promise.all([account(), account(), account()]);
    await paidPlaces(fan, eventId, 8);
    await paidPlaces(fan, eventId, 6);
    await paidPlaces(other, eventId, 1);
    const walletOf = (who: Session) => api<{ tickets: { ticket_id: string; event_id: string; status: string }[] }>("/api/tickets", { base: STRIPE_BASE_URL, token: who.access })
      .then((r) => r.body.tickets.filter((t) => t.event_id === eventId));
    const mine = await eventually(async () => { const ts = await walletOf(fan); return ts.length === 14 ? ts : undefined; }, 90_000, "the sender's 14 tickets");
    const [theirs] = await eventually(async () => { const ts = await walletOf(other); return ts.length === 1 ? ts : undefined; }, 90_000, "the other sender's ticket");
    await awayFromMinuteBoundary();
    const answers = await Promise.all(mine.map((t) => api<{ code?: string }>(`/api/tickets/${t.ticket_id}/transfer`, {
      base: STRIPE_BASE_URL, token: fan.access, headers: { "cf-connecting-ip": freshIp() }, body: { email: to.email },
    })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(10);
    const refused = answers.flatMap((r, i) => (r.status === 429 ? [mine[i]!.ticket_id] : []));
    expect(refused).toHaveLength(4);
    expect(answers.filter((r) => r.status === 429).every((r) => r.body.code === "rate_limited" && Number(r.headers.get("retry-after")) > 0
      && r.headers.get("content-type")?.includes("application/problem+json"))).toBe(true);
    // Another sender is not affected.
    expect((await api(`/api/tickets/${theirs!.ticket_id}/transfer`, { base: STRIPE_BASE_URL, token: other.access, body: { email: to.email } })).status).toBe(200);
    // The room still has the refused tickets with the sender; Postgres gets exactly the 11 transfers, and no transfer message (the mail's source) names a refused ticket.
    for (const id of refused) {
      const state = await api<{ status: string }>(`/api/tickets/${id}/state`, { base: STRIPE_BASE_URL, token: fan.access });
      expect(state.body.status).toBe("valid");
    }
    await eventually(async () => ((await walletOf(to)).length === 11 ? true : undefined), 90_000, "the recipient's 11 tickets");
    const h = await testDb();
    try {
      const rows = await h.db.select({ userId: tickets.userId }).from(tickets).where(inArray(tickets.ticketId, refused));
      expect(rows.map((r) => r.userId)).toEqual(refused.map(() => fan.userId));
      const transferred = await h.db.select({ id: outbox.aggregateId }).from(outbox)
        .where(and(inArray(outbox.aggregateId, mine.map((t) => t.ticket_id)), eq(outbox.eventType, "TicketTransferred")));
      expect(new Set(transferred.map((m) => m.id)).size).toBe(10);
      expect(transferred.filter((m) => refused.includes(m.id))).toEqual([]);
    } finally {
      await h.close();
    }
    expect((await walletOf(fan)).filter((t) => t.status === "valid").map((t) => t.ticket_id).sort()).toEqual([...refused].sort());
  });

  it("limits gate-account creation to 20 a minute per organizer, concurrently; the refused ones create nothing", async () => {
    const organizer = await account("organizer");
    const eventId = await publishedEvent(organizer, {}, STRIPE_BASE_URL);
    await awayFromMinuteBoundary();
    const answers = await Promise.all(Array.from({ length: 23 }, (_, i) => api<{ code?: string }>(`/api/events/${eventId}/gate-accounts`, {
      base: STRIPE_BASE_URL, token: organizer.access, headers: { "cf-connecting-ip": freshIp() }, body: { label: `door ${i}` },
    })));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(20);
    expect(answers.filter((r) => r.status === 429).every((r) => r.body.code === "rate_limited" && Number(r.headers.get("retry-after")) > 0)).toBe(true);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(3);
    const list = await api<{ accounts: unknown[] }>(`/api/events/${eventId}/gate-accounts`, { base: STRIPE_BASE_URL, token: organizer.access });
    expect(list.body.accounts).toHaveLength(20);
  });
});
