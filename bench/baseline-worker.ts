/**
 * Baselines for `npm run bench`: the cheapest possible requests under the same `wrangler dev`
 * (workerd) setup as the app, so the reserve path can be read as a multiple of them.
 *   GET /plain  returns a Response at once: the floor of the local HTTP stack.
 *   GET /do     makes one empty RPC call to a Durable Object: that floor plus one DO hop,
 *               which the reserve path pays too (one EventRoom per event).
 */
import { DurableObject } from "cloudflare:workers";

interface BaselineEnv {
  NOOP: DurableObjectNamespace<Noop>;
}

/** A Durable Object whose only method returns immediately. */
export class Noop extends DurableObject<BaselineEnv> {
  ping(): number {
    return 1;
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/plain") return new Response("ok");
    if (pathname === "/do") {
      // One object for all requests, as every booking for an event goes to one EventRoom.
      await env.NOOP.get(env.NOOP.idFromName("bench")).ping();
      return new Response("ok");
    }
    if (pathname === "/") return new Response("baseline worker: GET /plain, GET /do");
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<BaselineEnv>;
