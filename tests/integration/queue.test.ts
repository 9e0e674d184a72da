import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { signQueueToken } from "../../src/domain/queue-tokens";
import { loadKeys } from "../../src/domain/tokens";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { BASE_URL, JWT_PRIVATE_JWK } from "../support/env";

type Status = { state: string; position: number | null; ahead: number | null; estimated_wait_seconds: number; access_token?: string; queue_token?: string; code?: string; session_ends_at?: string };

let organizer: Session;
let fan: Session;
beforeAll(async () => {
  organizer = await register("organizer");
  fan = await register();
});

const settings = (over: Record<string, unknown> = {}) => ({
  enabled: true, on_sale_at: new Date(Date.now() - 1000).toISOString(), admit_per_minute: 60_000, max_active: 1000, session_minutes: 10, ...over,
});
async function queuedEvent(over: Record<string, unknown> = {}): Promise<string> {
  const id = await publishedEvent(organizer);
  const put = await api(`/api/events/${id}/queue`, { method: "PUT", token: organizer.access, body: settings(over) });
  if (put.status !== 200) throw new Error(`queue settings: ${put.status} ${JSON.stringify(put.body)}`);
  return id;
}
const join = (eventId: string, who: Session) => api<{ queue_token: string; position: number | null; state: string }>(`/api/queue/${eventId}/join`, { method: "POST", token: who.access });
const status = (eventId: string, queueToken: string) => api<Status>(`/api/queue/${eventId}/status`, { token: queueToken });

describe("waiting room over HTTP", () => {
  it("lets only the organizer set it, validating every field", async () => {
    const id = await publishedEvent(organizer);
    expect((await api(`/api/events/${id}/queue`, { method: "PUT", token: fan.access, body: settings() })).status).toBe(403);
    const bad = await api<{ errors: { field: string }[] }>(`/api/events/${id}/queue`, { method: "PUT", token: organizer.access, body: settings({ admit_per_minute: 0, session_minutes: 1000 }) });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e) => e.field).sort()).toEqual(["admit_per_minute", "session_minutes"]);
    const ok = await api(`/api/events/${id}/queue`, { method: "PUT", token: organizer.access, body: settings() });
    expect(ok.status).toBe(200);
    expect((await api(`/api/events/${id}/queue`, { token: organizer.access })).body).toMatchObject({ enabled: true, admit_per_minute: 60_000 });
  });

  it("sends buyers without an admission token to the queue, then admits them to book", async () => {
    const id = await queuedEvent();
    const blocked = await api<{ code: string; join: string }>("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-1-1"] } });
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe("queue_required");
    const j = await join(id, fan);
    expect(j.status).toBe(201);
    expect(j.body.position).toBe(1);
    expect((await join(id, fan)).body.position).toBe(1);
    const admitted = await eventually(async () => {
      const s = await status(id, j.body.queue_token);
      return s.body.state === "admitted" ? s.body : undefined;
    }, 15_000, "admission");
    expect(admitted.access_token).toBeTruthy();
    const booked = await api("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-1-1"] }, headers: { "admission-token": admitted.access_token! } });
    expect(booked.status).toBe(201);
    // Booking ends the shopping session.
    expect((await status(id, j.body.queue_token)).body.state).toBe("expired");
  });

  it("refuses forged, expired and other-event tokens", async () => {
    const id = await queuedEvent();
    const other = await queuedEvent();
    const j = await join(id, fan);
    const keys = await loadKeys(JWT_PRIVATE_JWK);
    const expired = await signQueueToken(keys, "queue", { userId: fan.userId, eventId: id, position: 1 }, new Date(Date.now() - 1000));
    expect((await status(id, expired)).status).toBe(401);
    expect((await status(other, j.body.queue_token)).status).toBe(401);
    expect((await status(id, j.body.queue_token.slice(0, -3) + "AAA")).status).toBe(401);
    expect((await status(id, fan.access)).status).toBe(401);
    // An admission token for another event, or someone else's, does not open this sale.
    const foreign = await signQueueToken(keys, "admission", { userId: fan.userId, eventId: other, position: 1 }, new Date(Date.now() + 60_000));
    expect((await api<{ code: string }>("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-1-2"] }, headers: { "admission-token": foreign } })).body.code).toBe("queue_required");
    const stolen = await signQueueToken(keys, "admission", { userId: organizer.userId, eventId: id, position: 1 }, new Date(Date.now() + 60_000));
    expect((await api("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-1-2"] }, headers: { "admission-token": stolen } })).status).toBe(403);
  });

  it("answers pre-sale arrivals with the time to opening, and places them when it opens", async () => {
    const id = await queuedEvent({ on_sale_at: new Date(Date.now() + 6000).toISOString() });
    const j = await join(id, fan);
    expect(j.body).toMatchObject({ state: "waiting", position: null });
    const before = await status(id, j.body.queue_token);
    expect(before.body).toMatchObject({ state: "waiting", position: null });
    expect(before.body.estimated_wait_seconds).toBeGreaterThan(0);
    const after = await eventually(async () => {
      const s = await status(id, j.body.queue_token);
      return s.body.position !== null ? s.body : undefined;
    }, 15_000, "placement at opening");
    expect(after.position).toBe(1);
  });

  it("lets a shopper who booked come back: joining again gives a new place at the back", async () => {
    const id = await queuedEvent();
    const [shopper, other] = await Promise.all([register(), register()]);
    const j = await join(id, shopper);
    const admitted = await eventually(async () => {
      const s = await status(id, j.body.queue_token);
      return s.body.state === "admitted" ? s.body : undefined;
    }, 15_000, "admission");
    expect(Date.parse(admitted.session_ends_at!)).toBeGreaterThan(Date.now());
    const booked = await api("/api/bookings", { token: shopper.access, body: { event_id: id, seat_ids: ["A-1-3"] }, headers: { "admission-token": admitted.access_token! } });
    expect(booked.status).toBe(201);
    expect((await status(id, j.body.queue_token)).body.state).toBe("expired");
    // The session is over: the old admission token says how to come back.
    const spent = await api<{ code: string; detail: string; join: string }>("/api/bookings", { token: shopper.access, body: { event_id: id, seat_ids: ["A-1-4"] }, headers: { "admission-token": admitted.access_token! } });
    expect(spent.status).toBe(403);
    expect(spent.body.code).toBe("admission_expired");
    expect(spent.body.detail).toMatch(/new place at the back/);
    const otherJoin = await join(id, other);
    const again = await join(id, shopper);
    expect(again.status).toBe(201);
    expect(again.body.state).toBe("waiting");
    // A new place at the back of its shard's line (the token says which), after the old one.
    const place = (token: string) => {
      const c = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { shd: number; pos: number };
      return { shard: c.shd, seq: c.pos };
    };
    expect(place(again.body.queue_token).shard).toBe(place(j.body.queue_token).shard);
    expect(place(again.body.queue_token).seq).toBeGreaterThan(place(j.body.queue_token).seq);
    // Joining a third time keeps the new place.
    expect(place((await join(id, shopper)).body.queue_token)).toEqual(place(again.body.queue_token));
    // The old queue token follows the account to its new place (or finds it admitted from there).
    const old = await status(id, j.body.queue_token);
    expect(["waiting", "admitted"]).toContain(old.body.state);
    if (old.body.state === "waiting") expect(place(old.body.queue_token!)).toEqual(place(again.body.queue_token));
    // Behind everyone already in line: the account that joined before it goes in first.
    const otherIn = await eventually(async () => {
      const s = await status(id, otherJoin.body.queue_token);
      return s.body.state === "admitted" ? s.body : undefined;
    }, 15_000, "the other account's admission");
    const readmitted = await eventually(async () => {
      const s = await status(id, again.body.queue_token);
      return s.body.state === "admitted" ? s.body : undefined;
    }, 15_000, "admission from the new place");
    expect(readmitted.position!).toBeGreaterThan(otherIn.position!);
    expect(readmitted.position!).toBeGreaterThan(admitted.position!);
    const second = await api("/api/bookings", { token: shopper.access, body: { event_id: id, seat_ids: ["A-1-5"] }, headers: { "admission-token": readmitted.access_token! } });
    expect(second.status).toBe(201);
  });

  it("estimates the wait from the shoppers inside when the store is full, counting down while nothing changes", async () => {
    const id = await queuedEvent({ admit_per_minute: 60_000, max_active: 1, session_minutes: 1 });
    const [first, second] = await Promise.all([register(), register()]);
    const a = await join(id, first);
    const inside = await eventually(async () => {
      const s = await status(id, a.body.queue_token);
      return s.body.state === "admitted" ? s.body : undefined;
    }, 15_000, "the first shopper's admission");
    const sessionEnds = Date.parse(inside.session_ends_at!);
    const b = await join(id, second);
    expect(b.body.position).toBe(2);
    // The one slot frees when the first session ends: the wait shown runs to then, plus at most a
    // tick lag to lapse it and one to admit (2.5 s), the forecast grid (2 s at a minute out) and rounding.
    const within = async () => {
      const before = Date.now();
      const r = await status(id, b.body.queue_token);
      const after = Date.now();
      expect(r.body).toMatchObject({ state: "waiting", position: 2, ahead: 0 });
      expect(r.body.estimated_wait_seconds).toBeGreaterThanOrEqual(Math.floor((sessionEnds - after) / 1000));
      expect(r.body.estimated_wait_seconds).toBeLessThanOrEqual(Math.ceil((sessionEnds - before) / 1000) + 6);
      return r.body.estimated_wait_seconds;
    };
    const s1 = await within();
    expect(s1).toBeGreaterThan(30);
    await new Promise((r) => setTimeout(r, 2500));
    // Nothing changed: it counted down with the clock.
    expect(await within()).toBeLessThanOrEqual(s1 - 2);
  });

  it("streams live counts to the organizer and refuses strangers", async () => {
    const id = await queuedEvent({ admit_per_minute: 1, max_active: 1 });
    const url = `${BASE_URL.replace("http", "ws")}/api/events/${id}/queue/live`;
    const refused = (headers: Record<string, string>) => new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => { ws.close(); resolve(101); });
      ws.on("error", () => resolve(-1));
    });
    expect(await refused({})).toBe(401);
    expect(await refused({ authorization: `Bearer ${fan.access}` })).toBe(403);
    const frames: { waiting: number; joined: number; admitted: number }[] = [];
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${organizer.access}` } });
    ws.on("message", (m) => frames.push(JSON.parse(String(m)) as { waiting: number; joined: number; admitted: number }));
    await new Promise((r) => ws.once("open", r));
    await eventually(async () => (frames.length ? true : undefined), 5000, "first frame");
    expect(frames[0]).toMatchObject({ joined: 0 });
    const others = await Promise.all([register(), register(), register()]);
    for (const o of others) await join(id, o);
    const seen = await eventually(async () => frames.find((f) => f.joined === 3), 10_000, "a frame counting three joins");
    expect(seen.waiting + seen.admitted).toBe(3);
    ws.close();
  });
});
