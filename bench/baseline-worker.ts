/**
 * Baselines for `npm run bench`: the cheapest possible requests under the same `wrangler dev`
 * (workerd) setup as the app, so the reserve path can be read as a multiple of them.
 *   GET /plain  returns a Response at once: the floor of the local HTTP stack.
 *   GET /do     makes one empty RPC call to a Durable Object: that floor plus one DO hop,
 *               which the reserve path pays too (one EventRoom per event).
 *   GET /sized/N returns an N-byte JSON body at once (made once per size): the floor for a
 *               read of that size (the seat map's), which the edge serves from memory too.
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

const MAX_SIZED = 8 * 2 ** 20;
const sized = new Map<number, Uint8Array<ArrayBuffer>>();

/** A JSON string of exactly n bytes (n ≥ 2). */
function bodyOf(n: number): Uint8Array<ArrayBuffer> {
  let body = sized.get(n);
  if (!body) {
    body = new TextEncoder().encode(`"${"x".repeat(n - 2)}"`);
    sized.set(n, body);
  }
  return body;
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
    const size = /^\/sized\/([0-9]{1,8})$/.exec(pathname);
    if (size) {
      const n = Number(size[1]);
      if (n < 2 || n > MAX_SIZED) return new Response("size out of range", { status: 400 });
      return new Response(bodyOf(n), { headers: { "content-type": "application/json" } });
    }
    if (pathname === "/") return new Response("baseline worker: GET /plain, GET /do, GET /sized/N");
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<BaselineEnv>;
