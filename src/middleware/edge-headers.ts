/**
 * Response headers every answer gets at the edge: browser security headers (CSP with a per-request
 * nonce for the few inline tags our pages have, no framing, nosniff, HSTS outside development) and
 * CORS for the origins this environment allows (CORS_ORIGINS). WebSocket upgrades are left alone:
 * their 101 comes from a Durable Object with immutable headers, and CORS does not apply to them.
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { NONCE, secureHeaders } from "hono/secure-headers";
import type { AppEnv, Ctx } from "../context";
import { config, isDevelopment } from "../config";

export const isWebSocketUpgrade = (c: Ctx): boolean => c.req.header("upgrade")?.toLowerCase() === "websocket";

const policy: Parameters<typeof secureHeaders>[0] = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    // Stripe.js and its Payment Element frames (the web app's card form when Stripe takes payments);
    // 'wasm-unsafe-eval' lets the gate scanner compile zxing-wasm (our own asset), since the app's
    // document may have been served here (at /) before the fan or gate moves on inside it.
    scriptSrc: ["'self'", NONCE, "'wasm-unsafe-eval'", "https://js.stripe.com"],
    frameSrc: ["https://js.stripe.com", "https://hooks.stripe.com"],
    styleSrc: ["'self'", NONCE],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'", "https://api.stripe.com"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
};
const developmentHeaders = secureHeaders({ ...policy, strictTransportSecurity: false });
// Development is plain http on localhost, where HSTS would pin the browser to https for a year.
const deployedHeaders = secureHeaders({ ...policy, strictTransportSecurity: "max-age=31536000; includeSubDomains" });

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isWebSocketUpgrade(c)) return next();
  return (isDevelopment(c.env) ? developmentHeaders : deployedHeaders)(c, next);
};

/** The page's CSP nonce, for `<script nonce>` and `<style nonce>`. */
export const cspNonce = (c: Ctx): string => c.get("secureHeadersNonce") ?? "";

const grant = cors({
  origin: (origin) => origin,
  allowMethods: ["GET", "POST", "PUT", "DELETE"],
  allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "Admission-Token", "X-Request-Id"],
  exposeHeaders: ["Retry-After", "Idempotent-Replayed", "X-Request-Id", "WWW-Authenticate"],
  maxAge: 600,
});

/**
 * Allowed origins get CORS headers, and their preflights a 204 before any auth runs. Other
 * origins get no CORS headers at all; their preflights are answered 204 too (granting nothing),
 * so a route's 401 or 404 never stands in for a preflight answer.
 */
export const corsPolicy: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isWebSocketUpgrade(c)) return next();
  const origin = c.req.header("origin");
  if (origin && config(c.env).corsOrigins.has(origin)) return grant(c, next);
  if (c.req.method === "OPTIONS" && origin && c.req.header("access-control-request-method")) {
    return c.body(null, 204, { Vary: "Origin" });
  }
  await next();
  // The answer depends on the Origin header: a shared cache must not hand it to an allowed origin.
  c.header("Vary", "Origin", { append: true });
};
