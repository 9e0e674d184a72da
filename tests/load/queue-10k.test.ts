import { describe, expect, it } from "vitest";
import { loadKeys, signAccessToken } from "../../src/domain/tokens";
import { api, pool, publishedEvent, register, untilDone } from "../support/api";
import { JWT_PRIVATE_JWK } from "../support/env";

const USERS = 10_000;
const CONCURRENCY = 48;
/** Generous on purpose: the test is bounded by progress (untilDone), not by how fast the machine is. */
const TIMEOUT_MS = 45 * 60_000;

describe("waiting room at scale, over HTTP against the running Worker", () => {
  it(`${USERS} simulated users join and poll; every one is admitted exactly once`, async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer);
    // Opens a few seconds in: the first joiners are pre-sale arrivals, shuffled at opening.
    const put = await api(`/api/events/${eventId}/queue`, {
      method: "PUT", token: organizer.access,
      body: { enabled: true, on_sale_at: new Date(Date.now() + 4000).toISOString(), admit_per_minute: 300_000, max_active: USERS, session_minutes: 30 },
    });
    expect(put.status).toBe(200);

    // Simulated accounts: access tokens signed with the Worker's key (registering 10,000 accounts
    // would spend the run hashing passwords and test nothing about the queue).
    const keys = await loadKeys(JWT_PRIVATE_JWK);
    const users = await Promise.all(Array.from({ length: USERS }, async () => {
      const userId = crypto.randomUUID();
      return { userId, token: await signAccessToken(keys, { userId, email: `${userId}@load.test`, role: "user" }, 900), queue: "", admitted: "" };
    }));

    const joins = await pool(CONCURRENCY, users.map((u) => async () => {
      const r = await api<{ queue_token: string }>(`/api/queue/${eventId}/join`, { method: "POST", token: u.token });
      u.queue = r.body.queue_token;
      return r.status;
    }));
    expect(joins.every((s) => s === 201)).toBe(true);

    let polls = 0;
    let roomCalls = 0;
    await untilDone(async () => {
      const pending = users.filter((u) => !u.admitted);
      await pool(CONCURRENCY, pending.map((u) => async () => {
        const r = await api<{ state: string; access_token?: string; queue_token?: string }>(`/api/queue/${eventId}/status`, { token: u.queue });
        polls++;
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        if (r.body.queue_token) { u.queue = r.body.queue_token; roomCalls++; }
        if (r.body.state === "admitted") { u.admitted = r.body.access_token!; roomCalls++; }
      }));
      return users.every((u) => u.admitted);
    }, () => users.filter((u) => u.admitted).length, "every user admitted");

    const stats = await api<{ queue: { joined: number; admitted: number; waiting: number } }>(`/api/events/${eventId}/stats`, { token: organizer.access });
    expect(stats.body.queue).toMatchObject({ joined: USERS, admitted: USERS, waiting: 0 });
    expect(new Set(users.map((u) => u.admitted)).size).toBe(USERS);
    console.log(`queue load: ${USERS} joins, ${polls} polls, ${roomCalls} of them needed the room (${((roomCalls / polls) * 100).toFixed(1)}%)`);
  }, TIMEOUT_MS);
});
