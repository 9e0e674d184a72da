import { OpenAPIHono, type RouteConfig, type RouteHandler } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";

/**
 * A router whose routes are the contract's operations (src/contract): `serve` documents one and
 * mounts its handler. The router is mounted at `prefix` (app.ts), and operations carry full paths.
 *
 * Inputs are validated inside each handler by our own helpers (readJson, readQuery, readHeader,
 * uuidId), with the operation's schemas, at the point the handler chooses: the library's own
 * validators would answer differently (their 415 and 400, repeated query keys as arrays, no size
 * or UTF-8 limits) and before the handler's own checks (rate limits, ownership), so they are not
 * used. Handlers are typed by the operation: they may return only the statuses and bodies it
 * declares.
 */
export class ApiRoutes extends OpenAPIHono<AppEnv> {
  constructor(readonly prefix: string) {
    super();
  }

  /** Middleware for every route of this router (`use`, keeping the chain's type). */
  guard(...middleware: MiddlewareHandler<AppEnv>[]): this {
    for (const m of middleware) this.use(m);
    return this;
  }

  /** Documents `route` and serves it with `handler`, after `middleware` (an auth check, say) when given. */
  serve<R extends RouteConfig>(route: R, handler: RouteHandler<R, AppEnv>): this;
  serve<R extends RouteConfig>(route: R, middleware: MiddlewareHandler<AppEnv>, handler: RouteHandler<R, AppEnv>): this;
  serve<R extends RouteConfig>(route: R, ...chain: [RouteHandler<R, AppEnv>] | [MiddlewareHandler<AppEnv>, RouteHandler<R, AppEnv>]): this {
    if (!route.path.startsWith(this.prefix)) throw new Error(`${route.path} is not under ${this.prefix}`);
    const local = route.path.slice(this.prefix.length) || "/";
    this.openAPIRegistry.registerPath({ ...route, path: local });
    const method = [route.method.toUpperCase()];
    const path = [local.replaceAll(/\{(\w+)\}/g, ":$1")];
    // Handlers registered one after another for one route run as one chain, in order.
    if (chain.length === 2) {
      this.on(method, path, chain[0]);
      this.on(method, path, chain[1]);
    } else {
      this.on(method, path, chain[0]);
    }
    return this;
  }
}
