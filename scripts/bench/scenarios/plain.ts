import { request, type Scenario } from "../load";
import type { BenchContext } from "../setup";

/** The floor of the local HTTP stack: a Worker that returns a Response at once. */
export const plain = (ctx: BenchContext): Scenario => ({
  name: "plain",
  description: "GET /plain: a Worker that returns a Response at once",
  op: request(() => ({ url: `${ctx.baselineUrl}/plain`, init: {} }), 200),
});
