import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventRoom } from "../../durable-objects/event-room";
import type { QueuePlace } from "../../durable-objects/room-types";
import { expandSeats, type SeatMap } from "../../src/domain/seat-map";
import { admissionsDue, estimatedWaitSeconds, shuffle } from "../../src/domain/waiting-room";

describe("admission rate (pure)", () => {
  it.each([[90], [600], [7]])("admits %i per minute within ±1 over a simulated minute of jittery ticks", (rate) => {
    let carry = 0;
    let admitted = 0;
    let t = 0;
    let seed = 42;
    const jitter = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 300 - 100; // −100..+200 ms
    while (t < 60_000) {
      const step = Math.min(1000 + jitter(), 60_000 - t);
      t += step;
      const due = admissionsDue({ admitPerMinute: rate, elapsedMs: step, carry, active: 0, maxActive: 1e9, waiting: 1e9 });
      carry = due.carry;
      admitted += due.admit;
    }
    expect(Math.abs(admitted - rate)).toBeLessThanOrEqual(1);
  });

  it("never exceeds the active cap, and does not bank credit while the store is full", () => {
    expect(admissionsDue({ admitPerMinute: 6000, elapsedMs: 1000, carry: 0, active: 95, maxActive: 100, waiting: 50 }).admit).toBe(5);
    const idle = admissionsDue({ admitPerMinute: 60, elapsedMs: 3_600_000, carry: 0, active: 0, maxActive: 10, waiting: 0 });
    expect(idle.carry).toBeLessThanOrEqual(3);
  });

  it("shuffles into a permutation and estimates waits from the measured rate", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffle(items, Math.random);
    expect([...out].sort((a, b) => a - b)).toEqual(items);
    expect(out).not.toEqual(items);
    expect(estimatedWaitSeconds(120, 60, 600)).toBe(120);
    expect(estimatedWaitSeconds(120, 0, 600)).toBe(12);
  });
});

const MAP: SeatMap = { sections: [{ name: "A", price: 10000, rows: [{ label: "1", seats: 50 }] }], areas: [] };

async function queuedRoom(opts: { opensInMs: number; perMinute?: number; maxActive?: number }) {
  const eventId = crypto.randomUUID();
  const stub = env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(eventId));
  await stub.configure({ eventId, organizerId: crypto.randomUUID(), currency: "KRW", seats: expandSeats(MAP), areas: [], holdTtlSeconds: 600, maxPerBooking: 8 });
  await stub.configureQueue({
    enabled: true, on_sale_at: new Date(Date.now() + opts.opensInMs).toISOString(), admit_per_minute: opts.perMinute ?? 6000,
    max_active: opts.maxActive ?? 1000, session_minutes: 10,
  });
  return stub;
}
const place = (p: QueuePlace | { ok: false }): QueuePlace => {
  if ("ok" in p) throw new Error("refused");
  return p;
};
const openNow = (stub: DurableObjectStub<EventRoom>) =>
  runInDurableObject(stub, (_o, s) => {
    const settings = JSON.parse(s.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'queue_settings'").one().value) as Record<string, unknown>;
    s.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'queue_settings'", JSON.stringify({ ...settings, on_sale_at: new Date(Date.now() - 1).toISOString() }));
  });

describe("waiting room in the EventRoom", () => {
  it("places every pre-sale arrival in a random order at opening, then serves first come first served", async () => {
    const stub = await queuedRoom({ opensInMs: 60_000 });
    const early = Array.from({ length: 40 }, () => crypto.randomUUID());
    for (const u of early) expect(place(await stub.joinQueue(u))).toEqual({ state: "waiting", position: null, sessionEndsAt: null });
    // Joining again keeps the one place.
    expect(place(await stub.joinQueue(early[0]!)).position).toBeNull();
    await openNow(stub);
    const late = Array.from({ length: 5 }, () => crypto.randomUUID());
    const latePlaces = [];
    for (const u of late) latePlaces.push(place(await stub.joinQueue(u)).position);
    const earlyPositions = await Promise.all(early.map(async (u) => (await stub.queuePlace(u))!.position!));
    expect([...earlyPositions].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(earlyPositions).not.toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(latePlaces).toEqual([41, 42, 43, 44, 45]);
    expect(place(await stub.joinQueue(late[2]!)).position).toBe(43);
  });

  it("admits in order up to the active cap, and a booking frees the slot for the next", async () => {
    const stub = await queuedRoom({ opensInMs: 0, perMinute: 60_000, maxActive: 2 });
    const users = Array.from({ length: 5 }, () => crypto.randomUUID());
    for (const u of users) await stub.joinQueue(u);
    await runDurableObjectAlarm(stub);
    const states = async () => Promise.all(users.map(async (u) => (await stub.queuePlace(u))!.state));
    expect(await states()).toEqual(["admitted", "admitted", "waiting", "waiting", "waiting"]);
    expect((await stub.queueWatermark()).admittedThrough).toBe(2);
    // Without a token, or before admission, booking is refused with a pointer to the queue.
    expect(await stub.reserve({ userId: users[0]!, correlationId: "t", seatIds: ["A-1-1"] })).toMatchObject({ ok: false, status: 403, code: "queue_required" });
    expect(await stub.reserve({ userId: users[3]!, correlationId: "t", admission: { position: 4 }, seatIds: ["A-1-1"] })).toMatchObject({ ok: false, status: 403, code: "queue_required" });
    expect(await stub.reserve({ userId: users[0]!, correlationId: "t", admission: { position: 1 }, seatIds: ["A-1-1"] })).toMatchObject({ ok: true });
    await runDurableObjectAlarm(stub);
    expect(await states()).toEqual(["expired", "admitted", "admitted", "waiting", "waiting"]);
    const live = await stub.liveCounts();
    expect(live).toMatchObject({ joined: 5, waiting: 2, admitted: 3, active: 2, held: 1 });
  });

  it("lapses a session that ran out and gives its slot to the next shopper", async () => {
    const stub = await queuedRoom({ opensInMs: 0, perMinute: 60_000, maxActive: 1 });
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    await stub.joinQueue(a);
    await stub.joinQueue(b);
    await runDurableObjectAlarm(stub);
    expect((await stub.queuePlace(a))!.state).toBe("admitted");
    // Time passes: a's session ends.
    await runInDurableObject(stub, (_o, s) => s.storage.sql.exec("UPDATE queue SET session_ends_at = ? WHERE user_id = ?", Date.now() - 1, a));
    await runDurableObjectAlarm(stub);
    expect((await stub.queuePlace(a))!.state).toBe("expired");
    expect((await stub.queuePlace(b))!.state).toBe("admitted");
    expect(await stub.reserve({ userId: a, correlationId: "t", admission: { position: 1 }, seatIds: ["A-1-2"] })).toMatchObject({ ok: false, code: "admission_expired" });
  });

  it("refuses to queue when the room is off", async () => {
    const eventId = crypto.randomUUID();
    const stub = env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(eventId));
    await stub.configure({ eventId, organizerId: crypto.randomUUID(), currency: "KRW", seats: expandSeats(MAP), areas: [], holdTtlSeconds: 600, maxPerBooking: 8 });
    expect(await stub.joinQueue(crypto.randomUUID())).toMatchObject({ ok: false, code: "queue_not_enabled" });
    expect(await stub.reserve({ userId: crypto.randomUUID(), correlationId: "t", seatIds: ["A-1-1"] })).toMatchObject({ ok: true });
  });
});
