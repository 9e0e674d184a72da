import type { EventRoom } from "../durable-objects/event-room";
import type { QueueShard } from "../durable-objects/queue-shard";
import type { PaymentSimulator } from "../durable-objects/payment-simulator";
import type { RateLimiterObject } from "../durable-objects/rate-limiter";
import type { ConfigVars } from "./config";

/**
 * Bindings and secrets (from `wrangler secret` / .dev.vars), and the vars of wrangler.toml, which
 * code reads only through `config(env)` (src/config.ts: their meaning, bounds and defaults).
 */
export interface Env extends ConfigVars {
  EVENT_ROOM: DurableObjectNamespace<EventRoom>;
  PAYMENT_SIMULATOR: DurableObjectNamespace<PaymentSimulator>;
  /** Session revocations when Upstash is not configured. */
  RATE_LIMITER: DurableObjectNamespace<RateLimiterObject>;
  /** An event's waiting line, spread over K objects named `<event id>/<k>`. */
  QUEUE_SHARD: DurableObjectNamespace<QueueShard>;
  /** Rate limits: one Workers rate-limiting binding per rule (wrangler.toml `[[ratelimits]]`). */
  RL_LOGIN: RateLimit;
  RL_REGISTER: RateLimit;
  RL_BOOKINGS: RateLimit;
  RL_EVENT_READS: RateLimit;
  RL_SEARCH: RateLimit;
  RL_HEALTH: RateLimit;
  RL_EXPORTS: RateLimit;
  RL_TRANSFERS: RateLimit;
  RL_GATE_ACCOUNTS: RateLimit;
  /** Upstash Redis for session revocations; without it a Durable Object keeps them. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  DATABASE_URL: string;
  JWT_PRIVATE_JWK: string;
  /** Stripe secret key; without one the local payment simulator is used in development, and bookings are refused elsewhere. */
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET: string;
  /** The web app's built files (wrangler.toml [assets]); absent where the Worker runs without them (unit tests of the API alone). */
  ASSETS?: Fetcher;
}
