import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { releaseDb } from "../context";
import { config } from "../config";
import { makeLogger } from "../log";

/** Request id (from X-Request-Id or fresh), a JSON logger bound to it, an access log line. */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
  const log = makeLogger({ request_id: requestId }, config(c.env).logLevel);
  c.set("requestId", requestId);
  c.set("log", log);
  const started = Date.now();
  try {
    await next();
  } finally {
    releaseDb(c);
  }
  // A WebSocket upgrade's 101 comes from the Durable Object with immutable headers.
  if (c.res.status !== 101) c.header("X-Request-Id", requestId);
  log.info("request", { method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started });
};
