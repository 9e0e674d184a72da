import { describe, expect, it } from "vitest";
import { loadKeys, signAccessToken } from "../../src/domain/tokens";
import { api, pool, publishedEvent, register, untilDone } from "../support/api";
import { JWT_PRIVATE_JWK } from "../support/env";

const USERS = 1200;
const CONCURRENCY = 48;
const TIMEOUT_MS = 20 * 60_000;

/** The claims of a token we issued (read, not verified: the Worker verified it). */
const claims = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sub: string; shd?: number; pos: number | null };

describe("waiting room over K queue shards, over HTTP against the running Worker", () => {
  it(`${USERS} accounts join across the shards at once (each twice, concurrently); every one is admitted exactly once, pre-sale arrivals first; counts add up; rejoining after a turn gives a new place`, async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer, { seat_map: { sections: [], areas: [{ name: "GA", price: 10_000, capacity: 100 }] } });
    // Opens 15 s in: most of the first half are pre-sale arrivals (as many as join by then); 100 a second go in, so admission takes many ticks.
    const put = await api(`/api/events/${eventId}/queue`, {
      method: "PUT", token: organizer.access,
      body: { enabled: true, on_sale_at: new Date(Date.now() + 15_000).toISOString(), admit_per_minute: 6000, max_active: USERS, session_minutes: 30 },
    });
    expect(put.status).toBe(200);

    const keys = await loadKeys(JWT_PRIVATE_JWK);
    const users = await Promise.all(Array.from({ length: USERS }, async () => {
      const userId = crypto.randomUUID();
      return { userId, token: await signAccessToken(keys, { userId, email: `${userId}@load.test`, role: "user" }, 900), queue: "", presale: false, admission: "", position: 0 };
    }));
    const joinOf = (u: (typeof users)[number]) => api<{ queue_token: string; position: number | null }>(`/api/queue/${eventId}/join`, { method: "POST", token: u.token });

    // Each account joins twice at the same moment: one place, the same shard and place in both answers.
    const joinHalf = (half: typeof users) => pool(CONCURRENCY, half.map((u) => async () => {
      const [a, b] = await Promise.all([joinOf(u), joinOf(u)]);
      expect([a.status, b.status]).toEqual([201, 201]);
      const [ca, cb] = [claims(a.body.queue_token), claims(b.body.queue_token)];
      expect(cb.shd).toBe(ca.shd);
      // The same place (unless the sale opened between the two: then one is placed, the other not yet told).
      if (ca.pos !== null && cb.pos !== null) expect(cb.pos).toBe(ca.pos);
      u.queue = a.body.queue_token;
      u.presale = ca.pos === null || cb.pos === null;
    }));
    await joinHalf(users.slice(0, USERS / 2));
    // Wait for the opening before the second half joins.
    const early = users.find((u) => u.presale);
    expect(early).toBeDefined();
    await untilDone(async () => {
      await new Promise((r) => setTimeout(r, 250));
      const s = await api<{ opens_at?: string }>(`/api/queue/${eventId}/status`, { token: early!.queue });
      return s.status === 200 && s.body.opens_at === undefined;
    }, () => 0, "the opening", 60_000);
    await joinHalf(users.slice(USERS / 2));
    expect(users.filter((u) => u.presale).length).toBeGreaterThan(100);
    expect(users.slice(USERS / 2).every((u) => !u.presale)).toBe(true);
    const shards = new Set(users.map((u) => claims(u.queue).shd));
    expect(shards.size).toBe(8);

    let polls = 0;
    await untilDone(async () => {
      await pool(CONCURRENCY, users.filter((u) => !u.admission).map((u) => async () => {
        const r = await api<{ state: string; access_token?: string; queue_token?: string; position: number }>(`/api/queue/${eventId}/status`, { token: u.queue });
        polls++;
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        if (r.body.queue_token) u.queue = r.body.queue_token;
        expect(r.body.state).not.toBe("expired");
        if (r.body.state === "admitted") { u.admission = r.body.access_token!; u.position = r.body.position; }
      }));
      return users.every((u) => u.admission);
    }, () => users.filter((u) => u.admission).length, "every user admitted");

    // Exactly once: admission numbers 1…USERS, one each; the admission tokens are each account's own.
    expect(users.map((u) => u.position).sort((a, b) => a - b)).toEqual(Array.from({ length: USERS }, (_, i) => i + 1));
    for (const u of users) expect(claims(u.admission).sub).toBe(u.userId);
    // Every pre-sale arrival went in before anyone who came after the opening.
    const lastPresale = Math.max(...users.filter((u) => u.presale).map((u) => u.position));
    const firstLater = Math.min(...users.filter((u) => !u.presale).map((u) => u.position));
    expect(lastPresale).toBeLessThan(firstLater);

    const stats = await api<{ queue: { joined: number; admitted: number; waiting: number; active: number } }>(`/api/events/${eventId}/stats`, { token: organizer.access });
    expect(stats.body.queue).toEqual({ joined: USERS, admitted: USERS, waiting: 0, active: USERS });

    // Twenty shoppers book (which ends their turn) and join again, each three times at once: one new place each, at the back of its shard.
    const back = users.slice(0, 20);
    await pool(CONCURRENCY, back.map((u) => async () => {
      const booked = await api("/api/bookings", { token: u.token, body: { event_id: eventId, area: "GA", quantity: 1 }, headers: { "admission-token": u.admission } });
      expect(booked.status).toBe(201);
    }));
    await pool(CONCURRENCY, back.map((u) => async () => {
      const before = claims(u.queue);
      // The room tells the shards who went in at most a tick later: until then a rejoin would keep the old place.
      const answers = await untilDone(async () => {
        const again = await Promise.all([joinOf(u), joinOf(u), joinOf(u)]);
        const cs = again.map((a) => claims(a.body.queue_token));
        expect(new Set(cs.map((c) => `${c.shd}/${c.pos}`)).size).toBe(1);
        if ((cs[0]!.pos ?? 0) <= (before.pos ?? 0)) return false;
        expect(cs[0]!.shd).toBe(before.shd);
        u.queue = again[0]!.body.queue_token;
        return true;
      }, () => 0, "a new place", 30_000);
      return answers;
    }));
    await untilDone(async () => {
      let done = 0;
      for (const u of back) {
        const r = await api<{ state: string; position: number }>(`/api/queue/${eventId}/status`, { token: u.queue });
        if (r.body.state === "admitted") { done++; expect(r.body.position).toBeGreaterThan(USERS); }
      }
      return done === back.length;
    }, () => 0, "the rejoined shoppers admitted again", 60_000);
    const after = await api<{ queue: { joined: number; admitted: number; waiting: number } }>(`/api/events/${eventId}/stats`, { token: organizer.access });
    expect(after.body.queue).toMatchObject({ joined: USERS, admitted: USERS, waiting: 0 });
    console.log(`sharded queue: ${USERS} accounts over ${shards.size} shards, ${polls} polls`);
  }, TIMEOUT_MS);
});
