import { z } from "zod";

const honoApp = z.object({ app: z.object({ routes: z.array(z.object({ method: z.string(), path: z.string() })) }) });

/**
 * Every route the app serves, as "METHOD /path", read from the app itself (Hono's `app.routes`),
 * so a route added tomorrow shows up here without anyone listing it. Middleware registered with
 * `.use()` (method ALL, path ending in *) is not a route.
 *
 * src/ is typed against the Workers runtime, which the Node test project does not load, so the
 * module is imported at run time only (by a computed specifier) and its shape checked here.
 */
export async function appRoutes(): Promise<string[]> {
  const specifier = new URL("../../src/app.ts", import.meta.url).href;
  const mod: unknown = await import(specifier);
  const { app } = honoApp.parse(mod);
  const routes = app.routes.filter((r) => !(r.method === "ALL" && r.path.endsWith("*"))).map((r) => `${r.method} ${r.path}`);
  return [...new Set(routes)].sort();
}
