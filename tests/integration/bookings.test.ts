import { beforeAll, describe, expect, it } from "vitest";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";

type Booking = { booking_id: string; status: string; seats: string[]; total_amount: number; currency: string; expires_at: string; area?: string; quantity?: number; payment: { status: string; payment_intent_id: string } | null };
type Problem = { status: number; code: string; unavailable_seats?: string[]; errors?: { field: string }[] };

let organizer: Session;
let fan: Session;
let eventId: string;
beforeAll(async () => {
  organizer = await register("organizer");
  fan = await register("user");
  eventId = await publishedEvent(organizer);
});

/** Bookings reach Postgres through the EventRoom's outbox; reads wait for that short lag. */
const readable = (id: string, token: string) =>
  eventually(async () => {
    const r = await api<Booking>(`/api/bookings/${id}`, { token });
    return r.status === 200 ? r : undefined;
  }, 20_000, `booking ${id} in Postgres`);

describe("bookings over HTTP", () => {
  it("holds seats and answers with the contract's shape", async () => {
    const r = await api<Booking>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-1", "A-1-2"] } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: "reserved", seats: ["A-1-1", "A-1-2"], total_amount: 300000, currency: "KRW", payment: { status: "requires_payment_method" } });
    expect(r.body.payment).toHaveProperty("client_secret");
    const ttl = Date.parse(r.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    const got = await readable(r.body.booking_id, fan.access);
    expect(got.body).toMatchObject({ booking_id: r.body.booking_id, status: "reserved", seats: ["A-1-1", "A-1-2"], total_amount: 300000 });
  });

  it("sells general admission by quantity", async () => {
    const r = await api<Booking>("/api/bookings", { token: fan.access, body: { event_id: eventId, area: "FLOOR", quantity: 3 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ area: "FLOOR", quantity: 3, total_amount: 297000, seats: [] });
  });

  it("answers 409 naming the seats that were not available, and holds nothing", async () => {
    const other = await register();
    const first = await api("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-5"] } });
    expect(first.status).toBe(201);
    const r = await api<Problem>("/api/bookings", { token: other.access, body: { event_id: eventId, seat_ids: ["A-1-5", "A-1-6"] } });
    expect(r.status).toBe(409);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body).toMatchObject({ code: "seats_unavailable", unavailable_seats: ["A-1-5"] });
    const seats = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${eventId}/seats`);
    expect(seats.body.seats.find((s) => s.seat_id === "A-1-6")?.status).toBe("available");
  });

  it.each([
    [{ event_id: "not-a-uuid", seat_ids: ["A-1-1"] }, 422],
    [{ event_id: crypto.randomUUID(), seat_ids: [] }, 422],
    [{ event_id: crypto.randomUUID(), seat_ids: ["A-1-1", "A-1-1"] }, 422],
    [{ event_id: crypto.randomUUID(), seat_ids: ["A1"] }, 422],
    [{ event_id: crypto.randomUUID(), area: "FLOOR", quantity: 0 }, 422],
    [{ event_id: crypto.randomUUID(), seat_ids: ["A-1-1"] }, 404],
  ])("refuses a bad request %j with %i", async (body, status) => {
    const r = await api<Problem>("/api/bookings", { token: fan.access, body });
    expect(r.status).toBe(status);
  });

  it("refuses unknown seats (422), too many seats (422) and anonymous callers (401)", async () => {
    expect((await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["Z-1-1"] } })).body.code).toBe("unknown_seats");
    const nine = Array.from({ length: 9 }, (_, i) => `A-2-${i + 1}`);
    expect((await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: nine } })).body.code).toBe("too_many_seats");
    expect((await api("/api/bookings", { body: { event_id: eventId, seat_ids: ["A-2-1"] } })).status).toBe(401);
  });

  it("honours Idempotency-Key: same body replays, another body is refused", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const body = { event_id: eventId, seat_ids: ["A-1-7"] };
    const a = await api<Booking>("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } });
    const b = await api<Booking>("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    const c = await api<Problem>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-8"] }, headers: { "idempotency-key": key } });
    expect(c.status).toBe(422);
    expect(c.body.code).toBe("idempotency_key_reused");
    const seats = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${eventId}/seats`);
    expect(seats.body.seats.find((s) => s.seat_id === "A-1-8")?.status).toBe("available");
  });

  it("replays concurrent retries with one key as one booking", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const body = { event_id: eventId, seat_ids: ["A-1-9"] };
    const all = await Promise.all(Array.from({ length: 10 }, () => api<Booking>("/api/bookings", { token: fan.access, body, headers: { "idempotency-key": key } })));
    expect(all.every((r) => r.status === 201)).toBe(true);
    expect(new Set(all.map((r) => r.body.booking_id)).size).toBe(1);
  });

  it("lists my bookings and shows one to its owner and the organizer only", async () => {
    const mine = await register();
    const r = await api<Booking>("/api/bookings", { token: mine.access, body: { event_id: eventId, seat_ids: ["A-2-9"] } });
    await readable(r.body.booking_id, mine.access);
    const list = await api<{ bookings: Booking[] }>("/api/bookings", { token: mine.access });
    expect(list.body.bookings.map((b) => b.booking_id)).toEqual([r.body.booking_id]);
    expect((await api(`/api/bookings/${r.body.booking_id}`, { token: organizer.access })).status).toBe(200);
    expect((await api(`/api/bookings/${r.body.booking_id}`, { token: fan.access })).status).toBe(404);
    expect((await api(`/api/bookings/not-a-uuid`, { token: fan.access })).status).toBe(404);
  });

  it("cancels a hold, releasing its seats for the next buyer", async () => {
    const r = await api<Booking>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-2-10"] } });
    await readable(r.body.booking_id, fan.access);
    const stranger = await register();
    expect((await api(`/api/bookings/${r.body.booking_id}/cancel`, { method: "POST", token: stranger.access })).status).toBe(404);
    const c = await api<Booking>(`/api/bookings/${r.body.booking_id}/cancel`, { method: "POST", token: fan.access });
    expect(c.status).toBe(200);
    expect(c.body.status).toBe("cancelled");
    expect((await api("/api/bookings", { token: stranger.access, body: { event_id: eventId, seat_ids: ["A-2-10"] } })).status).toBe(201);
    await eventually(async () => {
      const got = await api<Booking>(`/api/bookings/${r.body.booking_id}`, { token: fan.access });
      return got.body.status === "cancelled" ? true : undefined;
    }, 20_000, "cancellation in Postgres");
    expect((await api<Problem>(`/api/bookings/${r.body.booking_id}/cancel`, { method: "POST", token: fan.access })).status).toBe(200);
  });
});
