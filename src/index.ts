import { app } from "./app";
import { openDb } from "./db/client";
import type { Env } from "./env";
import { makeLogger } from "./log";
import { reconcilePayments } from "./payments/reconcile";

export { EventRoom } from "../durable-objects/event-room";
export { PaymentSimulator } from "../durable-objects/payment-simulator";
export { RateLimiterObject } from "../durable-objects/rate-limiter";

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  /** Cron: settle payments whose webhook never came. */
  async scheduled(controller, env, ctx) {
    const log = makeLogger({ request_id: `cron:${controller.scheduledTime}` }, env.LOG_LEVEL);
    const { db, pool } = openDb(env.DATABASE_URL, env.PG_WS_PROXY || undefined);
    try {
      await reconcilePayments(env, db, log);
    } finally {
      ctx.waitUntil(pool.end());
    }
  },
} satisfies ExportedHandler<Env>;
