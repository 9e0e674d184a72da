/**
 * Reads answered from the edge's copies (src/routes/event-reads.ts), and the baseline they are
 * held to: `event` (the event page) against `plain`; `seats` (a 5,000-seat event's map) against
 * `plain_sized`, a Worker returning a body of the map's size at once.
 */
import { request, send, type Scenario } from "../load";
import { api, type BenchContext, type CreatedEvent } from "../setup";

export interface ReadsContext { ctx: BenchContext; seatsEvent: CreatedEvent; seatMapBytes: number }

const SEATS = 5000;
const ROWS = 50;

/** A published 5,000-seat event (5 sections × 20 rows × 50 seats), and how many bytes its seat map is. */
export async function prepareReads(ctx: BenchContext): Promise<ReadsContext> {
  const token = ctx.organizer.access_token;
  const sections = Array.from({ length: SEATS / (20 * ROWS) }, (_, s) => ({
    name: `R${s + 1}`, price: 40_000 + 10_000 * s, rows: Array.from({ length: 20 }, (_, r) => ({ label: String(r + 1), seats: ROWS })),
  }));
  const seatsEvent = await api<CreatedEvent>(ctx.appUrl, "POST", "/api/events", 201, {
    token, body: { title: `Bench seat map ${Date.now().toString(36)}`, category: "concert", venue: "Bench Hall", currency: "KRW",
      start_date: new Date(Date.now() + 30 * 86400_000).toISOString(), seat_map: { sections, areas: [] } },
  });
  await api(ctx.appUrl, "POST", `/api/events/${seatsEvent.event_id}/publish`, 200, { token });
  const first = await send({ url: `${ctx.appUrl}/api/events/${seatsEvent.event_id}/seats`, init: {} }, 200);
  if (first.error) throw new Error(`seat map: ${first.error}`);
  const seatMapBytes = Buffer.byteLength(first.body);
  ctx.log(`seat-map event ${seatsEvent.event_id}: ${seatsEvent.total_seats} seats, map ${seatMapBytes} bytes`);
  return { ctx, seatsEvent, seatMapBytes };
}

/** A client address per request (the bench's users'), as readers come from many places. */
const from = (ctx: BenchContext, i: number) => ({ "cf-connecting-ip": ctx.userHeaders[i % ctx.userHeaders.length]?.["cf-connecting-ip"] ?? "10.0.0.1" });

export const plainSized = (r: ReadsContext): Scenario => ({
  name: "plain_sized",
  description: `GET /sized/${r.seatMapBytes}: a Worker that returns a body of the seat map's size (${r.seatMapBytes} bytes) at once`,
  op: request(() => ({ url: `${r.ctx.baselineUrl}/sized/${r.seatMapBytes}`, init: {} }), 200),
});

export const eventPage = (ctx: BenchContext): Scenario => ({
  name: "event",
  description: "GET /api/events/:id, anonymous: the event page from the edge's copy (per-IP read limit alongside)",
  op: request((i) => ({ url: `${ctx.appUrl}/api/events/${ctx.event.event_id}`, init: { headers: from(ctx, i) } }), 200),
});

export const seatMap = (r: ReadsContext): Scenario => ({
  name: "seats",
  description: `GET /api/events/:id/seats, anonymous: a ${SEATS}-seat map (${r.seatMapBytes} bytes) from the edge's copy, revalidated with the room each second`,
  op: request((i) => ({ url: `${r.ctx.appUrl}/api/events/${r.seatsEvent.event_id}/seats`, init: { headers: from(r.ctx, i) } }), 200),
});
