/**
 * A room already on sale takes the deployment's knobs as they are now: a redeploy with another
 * HOLD_TTL_SECONDS or MAX_SEATS_PER_BOOKING reaches it without publishing the event again. Runs
 * its own `wrangler dev` (started twice on one persist dir, as a redeploy keeps Durable Object
 * storage) against the test PostgreSQL.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPgWsProxy, type PgWsProxy } from "../../workers/pg-ws-proxy";
import { DEVELOPMENT_VARS } from "../../scripts/lib/dev-vars";
import { startWrangler, type WorkerServer } from "../../scripts/lib/wrangler";
import { writeRaisedConfig } from "../../scripts/lib/wrangler-config";
import { api, eventually, pool, publishedEvent, register, type Session } from "../support/api";
import { DATABASE_URL } from "../support/env";
import { freePort } from "../support/free-port";

const DIR = `.tmp/test/room-config-${process.pid}`;

interface Booking { booking_id: string; status: string; seats: string[]; expires_at: string; created_at: string }
const holdSeconds = (b: Booking) => (Date.parse(b.expires_at) - Date.parse(b.created_at)) / 1000;


let proxy: PgWsProxy;
let port: number;
let worker: WorkerServer | null = null;

/** `wrangler dev` on the same port and persist dir each time, with these knobs: a deploy of the same code with other vars. */
async function deploy(knobs: Record<string, string>): Promise<string> {
  await worker?.stop();
  const url = `http://127.0.0.1:${port}`;
  worker = await startWrangler({
    port, config: writeRaisedConfig(), persistTo: `${DIR}/state`, logFile: `${DIR}/wrangler-${Date.now()}.log`,
    vars: { ...DEVELOPMENT_VARS, DATABASE_URL, PG_WS_PROXY: `127.0.0.1:${proxy.port}`, PUBLIC_BASE_URL: url, LOG_LEVEL: "warn", ...knobs },
  });
  return url;
}

beforeAll(async () => {
  fs.mkdirSync(DIR, { recursive: true });
  proxy = await startPgWsProxy(0);
  port = await freePort();
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await proxy?.close();
}, 60_000);

describe("room knobs come from the deployment's config, not from the copy sent at publish", () => {
  it("a redeploy with another hold time and per-booking limit reaches a room already on sale, for every buyer at once", async () => {
    let base = await deploy({ HOLD_TTL_SECONDS: "600", MAX_SEATS_PER_BOOKING: "8" });
    const organizer = await register("organizer", {}, base);
    const fans: Session[] = await pool(4, Array.from({ length: 8 }, () => () => register("user", {}, base)));
    const eventId = await publishedEvent(organizer, {}, base);
    const book = (who: Session, seatIds: string[]) => api<Booking>("/api/bookings", { token: who.access, body: { event_id: eventId, seat_ids: seatIds }, base });

    const before = await book(fans[0]!, ["A-1-1", "A-1-2", "A-1-3"]);
    expect(before.status).toBe(201);
    expect(holdSeconds(before.body)).toBe(600);

    // Redeployed: shorter holds, at most two seats a booking. The event is not published again.
    base = await deploy({ HOLD_TTL_SECONDS: "120", MAX_SEATS_PER_BOOKING: "2" });
    // Every fan at once, two seats each, some wanting the same seats: each hold is two minutes, no seat twice.
    const wanted = fans.slice(1).map((_, i) => [`A-2-${1 + (i % 5)}`, `A-2-${6 + (i % 5)}`]);
    const results = await Promise.all(fans.slice(1).map((f, i) => book(f, wanted[i]!)));
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const won = results.filter((r) => r.status === 201).map((r) => r.body);
    expect(won.length).toBe(5);
    for (const b of won) expect(holdSeconds(b)).toBe(120);
    const held = won.flatMap((b) => b.seats);
    expect(new Set(held).size).toBe(held.length);
    const tooMany = await book(fans[1]!, ["A-1-4", "A-1-5", "A-1-6"]);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: "too_many_seats" });
    // The hold made before the redeploy keeps the time it was given.
    const first = await eventually(async () => {
      const r = await api<Booking>(`/api/bookings/${before.body.booking_id}`, { token: fans[0]!.access, base });
      return r.status === 200 ? r.body : undefined;
    }, 60_000, "the first booking in Postgres");
    expect(first.expires_at).toBe(before.body.expires_at);
    const seats = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${eventId}/seats`, { base });
    expect(seats.body.seats.filter((s) => s.status === "held").map((s) => s.seat_id).sort()).toEqual(["A-1-1", "A-1-2", "A-1-3", ...held].sort());
  }, 600_000);
});
