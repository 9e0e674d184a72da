import { app } from "./app";
import { config } from "./config";
import { openDb } from "./db/client";
import { describeError } from "./describe-error";
import type { Env } from "./env";
import { makeLogger } from "./log";
import { reconcilePayments } from "./payments/reconcile";

export { EventRoom } from "../durable-objects/event-room";
export { PaymentSimulator } from "../durable-objects/payment-simulator";
export { RateLimiterObject } from "../durable-objects/rate-limiter";
export { QueueShard } from "../durable-objects/queue-shard";

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  /** Cron: settle payments whose webhook never came. */
  async scheduled(controller, env, ctx) {
    const runId = `cron:${controller.scheduledTime}`;
    const log = makeLogger({ request_id: runId }, config(env).logLevel);
    const { db, pool } = openDb(env.DATABASE_URL, config(env).pgWsProxy);
    try {
      await reconcilePayments(env, db, log);
    } catch (e) {
      // Logged here, described; what the runtime sees (and logs) is a failure without the error's own text (query parameters and all).
      log.error("payment reconciliation failed", { error: describeError(e) });
      throw new Error(`payment reconciliation failed (${runId}); see the log`);
    } finally {
      ctx.waitUntil(pool.end());
    }
  },
} satisfies ExportedHandler<Env>;
