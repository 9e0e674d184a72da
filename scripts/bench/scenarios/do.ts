import { request, type Scenario } from "../load";
import type { BenchContext } from "../setup";

/** The floor plus one Durable Object hop, which every booking pays too (one EventRoom per event). */
export const emptyDurableObjectCall = (ctx: BenchContext): Scenario => ({
  name: "do",
  description: "GET /do: a Worker that makes one empty Durable Object RPC call",
  op: request(() => ({ url: `${ctx.baselineUrl}/do`, init: {} }), 200),
});
