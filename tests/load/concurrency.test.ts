import { describe, expect, it } from "vitest";
import { api, eventually, pool, publishedEvent, register, type Session } from "../support/api";
import { pgCounts, roomStats } from "../support/db";

const USERS = 100;
const SEATS = 50;
const ATTEMPTS = 500;

describe("reservation under contention, over HTTP against the running Worker", () => {
  it(`${ATTEMPTS} concurrent attempts by ${USERS} users on ${SEATS} seats: 201 or 409 only, nothing sold twice, DO and Postgres agree`, async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer, {
      title: "Contention test", seat_map: { sections: [{ name: "A", price: 50000, rows: [{ label: "1", seats: 25 }, { label: "2", seats: 25 }] }] },
    });
    const users: Session[] = await pool(8, Array.from({ length: USERS }, () => () => register()));
    const seatIds = Array.from({ length: SEATS }, (_, i) => `A-${i < 25 ? 1 : 2}-${(i % 25) + 1}`);

    // Each attempt wants 1–3 seats chosen to collide a lot; all are sent at once.
    const attempts = Array.from({ length: ATTEMPTS }, (_, i) => {
      const n = 1 + (i % 3);
      const start = (i * 7) % SEATS;
      const wanted = Array.from({ length: n }, (_, k) => seatIds[(start + k * 11) % SEATS]!);
      return { token: users[i % USERS]!.access, wanted: [...new Set(wanted)] };
    });
    const results = await Promise.all(attempts.map((a) =>
      api<{ booking_id: string; seats: string[]; unavailable_seats?: string[] }>("/api/bookings", { token: a.token, body: { event_id: eventId, seat_ids: a.wanted } })));

    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    expect([...statuses.keys()].every((s) => s === 201 || s === 409), `statuses: ${JSON.stringify([...statuses])}`).toBe(true);

    const won = results.filter((r) => r.status === 201);
    const held = won.flatMap((r) => r.body.seats);
    expect(new Set(held).size).toBe(held.length);
    expect(won.length).toBeGreaterThan(0);
    // Every 409 named at least one seat it wanted that someone else held.
    results.forEach((r, i) => {
      if (r.status === 409) expect(r.body.unavailable_seats!.some((s) => attempts[i]!.wanted.includes(s))).toBe(true);
    });

    const room = await eventually(async () => {
      const s = await roomStats(eventId, organizer.access);
      return s.outbox_pending === 0 ? s : undefined;
    }, 60_000, "the room's outbox to drain");
    expect(room.seats.held).toBe(held.length);
    expect(room.seats.held + room.seats.available).toBe(SEATS);
    expect(room.bookings.reserved).toBe(won.length);

    const pg = await eventually(async () => {
      const c = await pgCounts(eventId);
      return c.bookings === won.length ? c : undefined;
    }, 30_000, "Postgres to catch up");
    expect(pg).toMatchObject({ held: held.length, sold: 0, available: SEATS - held.length, bookings: won.length, outbox: won.length });
  });
});
