import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";

/**
 * GET / is two things: for a browser (it asks for text/html) the fan's web app from the static
 * assets; for an API client the root document with its links (src/routes/reference.ts). Every
 * other app path is served by the assets directly (wrangler.toml [assets]).
 */
export const webAppAtRoot: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "GET" || c.req.path !== "/" || !c.env.ASSETS || !c.req.header("accept")?.includes("text/html")) return next();
  const page = await c.env.ASSETS.fetch(c.req.raw);
  // A fresh Response: the fetched one's headers are immutable, and ours (CSP, …) go on it next.
  c.res = new Response(page.body, page);
  c.header("Vary", "Accept", { append: true });
  c.header("Cache-Control", "no-cache"); // the page names this build's files; always check for a newer one
  return c.res;
};
