import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LiveHistory, type LiveFigures } from "../../durable-objects/event-room/live-history";
import { expandSeats, type SeatMap } from "../../src/domain/seat-map";

// The room's hour (durable-objects/event-room/live-history.ts) in the real EventRoom: reservations
// write nothing of it and set no alarm for it (they only flag a change); the alarm samples and
// persists; a room loaded anew (after an eviction) reads the hour back from its table.

const MAP: SeatMap = { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 40 }] }], areas: [{ name: "FLOOR", price: 500, capacity: 50 }] };

function room() {
  const eventId = crypto.randomUUID();
  const stub = env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(eventId));
  return { stub, config: { eventId, organizerId: crypto.randomUUID(), currency: "KRW" as const, seats: expandSeats(MAP), areas: MAP.areas } };
}
const stored = (stub: ReturnType<typeof room>["stub"]) =>
  runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ sample: string }>("SELECT sample FROM live_history ORDER BY t").toArray().map((r) => JSON.parse(r.sample) as { held: number; capacity: number }));

describe("the room's hour", () => {
  it("concurrent reservations do not write it one by one: the alarm samples at most once a second and persists at most every 30 s", async () => {
    const { stub, config } = room();
    await stub.configure(config);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      stub.reserve({ userId: crypto.randomUUID(), correlationId: "t", ...(i % 2 ? { seatIds: [`A-1-${i}`] } : { area: "FLOOR", quantity: 2 }) })));
    expect(results.every((r) => r.ok)).toBe(true);
    // No alarm of its own: the room's alarm is still the first hold's expiry (this room has no Postgres, so no flush either).
    const firstExpiry = Math.min(...results.map((r) => (r.ok ? Date.parse(r.value.booking.expires_at) : Infinity)));
    expect(await runInDurableObject(stub, (_o, state) => state.storage.getAlarm())).toBe(firstExpiry);
    expect(await stored(stub)).toEqual([]);
    await runDurableObjectAlarm(stub);
    // Thirty reservations, one stored sample: the first alarm's (the next persist is 30 s later).
    const rows = await stored(stub);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.capacity).toBe(90);
    expect(rows[0]!.held).toBeLessThanOrEqual(45);
  });

  it("a room loaded anew reads its hour back from the table, and forgets what is past the hour", async () => {
    const { stub } = room();
    await runInDurableObject(stub, (_o, state) => {
      const now = Date.now();
      const figures = (held: number): LiveFigures => ({
        joined: 0, waiting: 0, admitted: 0, active: 0, held, sold: 0, capacity: 1, revenue: 0, admit_per_minute: 1, max_active: 1, wait_p50: null, wait_p90: null, no_show_rate: null,
      });
      const before = new LiveHistory({ sql: state.storage.sql, figures: () => figures(7) });
      before.touch();
      // The first tick samples and persists at once; nothing is left to do until the next change.
      expect(before.tick(now)).toBeNull();
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM live_history").one().n).toBe(1);
      const old = JSON.stringify({ t: now - 2 * 3600_000, at: now - 2 * 3600_000, ...figures(1) });
      state.storage.sql.exec("INSERT INTO live_history (t, sample) VALUES (?, ?)", now - 2 * 3600_000, old);
      const after = new LiveHistory({ sql: state.storage.sql, figures: () => figures(9) });
      const hour = after.history(now + 2000);
      expect(hour.map((s) => s.held)).toEqual(hour.length === 1 ? [9] : [7, 9]);
      expect(hour[0]!.held).not.toBe(1);
    });
  });
});
