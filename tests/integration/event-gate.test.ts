import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { signQueueToken } from "../../src/domain/queue-tokens";
import { loadKeys } from "../../src/domain/tokens";
import { api, eventBody, eventually, publishedEvent, register } from "../support/api";
import { JWT_PRIVATE_JWK, WORKER_STATE_DIR } from "../support/env";

// Each EventRoom keeps its storage in its own SQLite file under the Worker's --persist-to
// directory, created when the object first runs. Counting those files shows whether a request
// made a room exist.
function roomFiles(): Set<string> {
  const doDir = path.join(WORKER_STATE_DIR, "v3", "do");
  const dirs = fs.existsSync(doDir) ? fs.readdirSync(doDir).filter((d) => d.endsWith("-EventRoom")) : [];
  return new Set(dirs.flatMap((d) => fs.readdirSync(path.join(doDir, d)).filter((f) => f.endsWith(".sqlite")).map((f) => `${d}/${f}`)));
}

type Problem = { code: string; status: number };

describe("client-supplied event ids are checked at the edge before any room is called", () => {
  it("a published event's room appears when it is published (the observation works)", async () => {
    const organizer = await register("organizer");
    const before = roomFiles();
    await publishedEvent(organizer);
    await eventually(async () => (roomFiles().size > before.size ? true : undefined), 10_000, "the new event's room file");
  });

  it("random ids get 404 from bookings, queue join and queue status, and create no room", async () => {
    const fan = await register();
    const keys = await loadKeys(JWT_PRIVATE_JWK);
    const before = roomFiles();
    expect(before.size).toBeGreaterThan(0);
    const ids = Array.from({ length: 25 }, () => crypto.randomUUID());
    const answers = await Promise.all(ids.flatMap((id) => [
      api<Problem>("/api/bookings", { token: fan.access, body: { event_id: id, seat_ids: ["A-1-1"] } }),
      api<Problem>("/api/bookings", { token: fan.access, body: { event_id: id, area: "FLOOR", quantity: 1 } }),
      api<Problem>(`/api/queue/${id}/join`, { method: "POST", token: fan.access }),
      // A correctly signed queue token for an event that does not exist (or no longer does).
      signQueueToken(keys, "queue", { userId: fan.userId, eventId: id, position: 1 }, new Date(Date.now() + 60_000))
        .then((t) => api<Problem>(`/api/queue/${id}/status`, { token: t })),
    ]));
    expect([...roomFiles()].filter((f) => !before.has(f))).toEqual([]);
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(a.headers.get("content-type")).toContain("application/problem+json");
      expect(a.body.code).toBe("event_not_on_sale");
    }
    // Asking again (now from the per-isolate cache) changes nothing either.
    expect((await api("/api/bookings", { token: fan.access, body: { event_id: ids[0], seat_ids: ["A-1-1"] } })).status).toBe(404);
    expect([...roomFiles()].filter((f) => !before.has(f))).toEqual([]);
  });

  it("a draft event is not on sale (404, no room); a cancelled one says so (409)", async () => {
    const organizer = await register("organizer");
    const fan = await register();
    const draft = await api<{ event_id: string }>("/api/events", { token: organizer.access, body: eventBody() });
    expect(draft.status).toBe(201);
    const before = roomFiles();
    const r = await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: draft.body.event_id, seat_ids: ["A-1-1"] } });
    const join = await api(`/api/queue/${draft.body.event_id}/join`, { method: "POST", token: fan.access });
    expect([...roomFiles()].filter((f) => !before.has(f))).toEqual([]);
    expect(r.status).toBe(404);
    expect(join.status).toBe(404);

    const live = await publishedEvent(organizer);
    expect((await api("/api/bookings", { token: fan.access, body: { event_id: live, seat_ids: ["A-1-1"] } })).status).toBe(201);
    expect((await api(`/api/events/${live}/cancel`, { method: "POST", token: organizer.access })).status).toBe(200);
    const late = await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: live, seat_ids: ["A-1-2"] } });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("event_not_on_sale");
  });
});
