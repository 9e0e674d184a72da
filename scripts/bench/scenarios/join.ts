import { send, type Scenario } from "../load";
import type { BenchContext } from "../setup";

/** A distinct account joins an open waiting room (one EventRoom call); its queue token is kept for the poll scenario. */
export const join = (ctx: BenchContext): Scenario => ({
  name: "join",
  description: "POST /api/queue/:id/join: a distinct account joins an open waiting room (one EventRoom call)",
  op: async (i) => {
    const j = ctx.joiners[i];
    if (!j) return `no joiner ${i}`;
    const r = await send({ url: `${ctx.appUrl}/api/queue/${ctx.queued.event_id}/join`, init: { method: "POST", headers: { authorization: `Bearer ${j.token}`, "cf-connecting-ip": j.ip } } }, 201);
    if (!r.error) j.queueToken = (JSON.parse(r.body) as { queue_token: string }).queue_token;
    return r.error;
  },
});
