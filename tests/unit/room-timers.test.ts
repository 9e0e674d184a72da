import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AlarmClock, type TimedPart } from "../../durable-objects/event-room/timers";
import { makeLogger } from "../../src/log";

/** A fresh object's storage (no alarm of its own yet), for a clock driven directly. */
const withStorage = <T>(fn: (storage: DurableObjectStorage) => Promise<T>) =>
  runInDurableObject(env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(crypto.randomUUID())), (_o, state) => fn(state.storage));
const log = makeLogger({ request_id: "test" }, "error");
const part = (name: string, tick: TimedPart["tick"]): TimedPart => ({ name, tick });

describe("the room's one alarm", () => {
  it("keeps the earliest of many wakes, asked for inside a storage transaction, and never moves it later", async () => {
    await withStorage(async (storage) => {
      const clock = new AlarmClock(storage);
      await clock.load();
      const t = Date.now() + 60_000;
      storage.transactionSync(() => {
        for (const at of [t + 5000, t, t + 9000, t + 1]) clock.wake(at);
      });
      await Promise.resolve();
      expect(await storage.getAlarm()).toBe(t);
      clock.wake(t + 30_000);
      await Promise.resolve();
      expect(await storage.getAlarm()).toBe(t);
      clock.wake(t - 1000);
      await Promise.resolve();
      expect(await storage.getAlarm()).toBe(t - 1000);
    });
  });

  it("runs every part in order on each alarm, retries a part that failed without holding up the others, and arms the earliest next", async () => {
    await withStorage(async (storage) => {
      const clock = new AlarmClock(storage);
      await clock.load();
      const ran: string[] = [];
      const later = Date.now() + 600_000;
      const parts = [
        part("holds", () => { ran.push("holds"); return later; }),
        part("broken", () => { ran.push("broken"); throw new Error("injected failure"); }),
        part("idle", () => { ran.push("idle"); return null; }),
        part("async", async () => { ran.push("async"); return later + 1; }),
      ];
      const before = Date.now();
      await clock.run(parts, log);
      expect(ran).toEqual(["holds", "broken", "idle", "async"]);
      // The failed part asked again a second later: earlier than every other part's time.
      const at = await storage.getAlarm();
      expect(at).not.toBeNull();
      expect(at ?? 0).toBeGreaterThanOrEqual(before + 1000);
      expect(at ?? 0).toBeLessThan(later);
    });
  });
});
