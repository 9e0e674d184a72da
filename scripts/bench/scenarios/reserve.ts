import { request, type Scenario } from "../load";
import { waitForOutbox } from "../outbox";
import { seatIdAt, type BenchContext } from "../setup";

/** POST /api/bookings as the API serves it, one distinct seat per request (seats 0 … requests + warmup - 1). */
export const reserve = (ctx: BenchContext): Scenario => ({
  name: "reserve",
  description: "POST /api/bookings: one distinct seat per request, the whole request as the API serves it " +
    "(auth, rate-limit checks, EventRoom reserve, payment intent from the local simulator); the outbox flushes to Postgres meanwhile",
  // The timed run starts with an empty outbox, so it carries no backlog from the warm-up.
  afterWarmup: async () => { await waitForOutbox(ctx); },
  op: request((i) => ({
    url: `${ctx.appUrl}/api/bookings`,
    init: { method: "POST", headers: ctx.userHeaders[i % ctx.userHeaders.length], body: JSON.stringify({ event_id: ctx.event.event_id, seat_ids: [seatIdAt(i)] }) },
  }), 201),
});
