import { request, type Scenario } from "../load";
import type { BenchContext } from "../setup";

/** A waiting shopper polls with the queue token the join scenario got: answered at the edge, never by the room. */
export const poll = (ctx: BenchContext): Scenario => ({
  name: "poll",
  description: "GET /api/queue/:id/status: a waiting shopper polls with its queue token (answered at the edge from the token and a watermark cached for 1 s)",
  op: request((i) => ({ url: `${ctx.appUrl}/api/queue/${ctx.queued.event_id}/status`, init: { headers: { authorization: `Bearer ${ctx.joiners[i]?.queueToken ?? ""}` } } }), 200),
});
