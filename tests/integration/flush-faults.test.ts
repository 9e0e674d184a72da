import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startPostgres, stopPostgres } from "../../scripts/lib/postgres";
import { api, eventually, publishedEvent, register } from "../support/api";
import { pgCounts, roomStats } from "../support/db";
import { PG_DIR, PG_PORT, WORKER_LOG } from "../support/env";

// Failure injection with the real server: Postgres is stopped while buyers keep buying.
let down = false;
afterAll(() => {
  if (down) startPostgres({ dir: PG_DIR, port: PG_PORT });
});

/** Failed flushes the event's room has logged since byte `from` of the Worker's log (JSON lines). */
function flushFailuresLogged(from: number, eventId: string): number {
  const fd = fs.openSync(WORKER_LOG, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - from));
    fs.readSync(fd, buf, 0, buf.length, from);
    return buf.toString("utf8").split("\n").filter((l) => l.includes("outbox flush failed") && l.includes(`"event_id":"${eventId}"`)).length;
  } finally {
    fs.closeSync(fd);
  }
}

describe("EventRoom → Postgres while Postgres is down", () => {
  it("keeps selling, reports 503 on /health, and converges with nothing lost or doubled", async () => {
    const organizer = await register("organizer");
    const fans = await Promise.all([register(), register(), register()]);
    const eventId = await publishedEvent(organizer);

    const logFrom = fs.statSync(WORKER_LOG).size;
    stopPostgres(PG_DIR);
    down = true;
    const health = await api<{ status: string; checks: Record<string, string>; down: string[] }>("/health");
    expect(health.status).toBe(503);
    expect(health.body.down).toContain("postgres");
    // A short reason, never the driver's message (it names hosts and internals).
    expect(health.body.checks.postgres).toMatch(/^(unreachable|timeout|error)$/);

    // Reservations need only the EventRoom (and a token), so the sale goes on.
    const made: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await api<{ booking_id: string }>("/api/bookings", { token: fans[i % 3]!.access, body: { event_id: eventId, seat_ids: [i < 10 ? `A-1-${i + 1}` : `A-2-${i - 9}`] } });
      expect(r.status).toBe(201);
      made.push(r.body.booking_id);
    }
    const cancel = await api<{ booking_id: string }>("/api/bookings", { token: fans[0]!.access, body: { event_id: eventId, area: "FLOOR", quantity: 2 } });
    expect(cancel.status).toBe(201);
    // The room has tried to flush, failed and backed off (its own log says so: a signal, not a sleep).
    await eventually(async () => (flushFailuresLogged(logFrom, eventId) >= 2 ? true : undefined), 60_000, "the room to fail a flush twice");
    // Reads that need Postgres say so plainly.
    const read = await api<{ code: string }>(`/api/events/${eventId}/stats`, { token: organizer.access });
    expect(read.status).toBe(503);
    expect(read.headers.get("retry-after")).toBe("5");
    expect(read.body.code).toBe("database_unavailable");

    startPostgres({ dir: PG_DIR, port: PG_PORT });
    down = false;
    expect((await api("/health")).status).toBe(200);

    const stats = await eventually(async () => {
      const s = await roomStats(eventId, organizer.access);
      return s.outbox_pending === 0 ? s : undefined;
    }, 60_000, "the outbox to drain after Postgres came back");
    const pg = await pgCounts(eventId);
    expect(pg).toMatchObject({ held: stats.seats.held, sold: 0, bookings: 13, gaHeld: 2 });
    expect(stats.seats.held).toBe(12);
    // One SeatsReserved per booking, exactly: nothing missing, nothing twice.
    expect(pg.outbox).toBe(13);
  });
});
