import type { EventRoom } from "../durable-objects/event-room";
import type { PaymentSimulator } from "../durable-objects/payment-simulator";
import type { RateLimiterObject } from "../durable-objects/rate-limiter";

/** Bindings and vars from wrangler.toml, secrets from `wrangler secret` / .dev.vars. */
export interface Env {
  EVENT_ROOM: DurableObjectNamespace<EventRoom>;
  PAYMENT_SIMULATOR: DurableObjectNamespace<PaymentSimulator>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiterObject>;
  /** Upstash Redis for rate limits; without it a Durable Object keeps the counts. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  RATE_LIMIT_LOGIN_PER_MIN?: string;
  RATE_LIMIT_REGISTER_PER_MIN?: string;
  RATE_LIMIT_BOOKINGS_PER_MIN?: string;
  RATE_LIMIT_EVENT_READS_PER_MIN?: string;
  DATABASE_URL: string;
  JWT_PRIVATE_JWK: string;
  PG_WS_PROXY?: string;
  HOLD_TTL_SECONDS?: string;
  MAX_SEATS_PER_BOOKING?: string;
  /** Unpaid seats one account may hold for one event at once (general-admission places count as seats). */
  MAX_HELD_SEATS_PER_ACCOUNT?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  REFRESH_TOKEN_TTL_SECONDS?: string;
  LOG_LEVEL?: string;
  /** Stripe secret key; without one the local payment simulator is used in development, and bookings are refused elsewhere. */
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET: string;
  /** Another Stripe API endpoint (stripe-mock in tests). */
  STRIPE_API_BASE?: string;
  /** Where this Worker is reachable; the simulator delivers webhooks here. */
  PUBLIC_BASE_URL?: string;
  /** "on" serves the notifications mailbox at /dev/mail (development only). */
  MAILBOX_PAGE?: string;
  /** "development" | "staging" | "production"; anything else (or unset) counts as production. */
  ENVIRONMENT?: string;
  /** Origins allowed to call the API from a browser, comma-separated (exact scheme://host[:port]). */
  CORS_ORIGINS?: string;
  RATE_LIMIT_SEARCH_PER_MIN?: string;
  RATE_LIMIT_HEALTH_PER_MIN?: string;
  /** How the outbox reaches consumers: "kafka" (the bridge) or "in_process" (`npm start`). Reported by /health. */
  BUS_MODE?: string;
  /** /health calls the bus degraded when the oldest unpublished outbox row is older than this. */
  BUS_LAG_DEGRADED_SECONDS?: string;
}

export type Environment = "development" | "staging" | "production";

/** The deployment's environment. Unknown or unset is production: the safe reading of a bare deploy. */
export function environment(env: Pick<Env, "ENVIRONMENT">): Environment {
  return env.ENVIRONMENT === "development" || env.ENVIRONMENT === "staging" ? env.ENVIRONMENT : "production";
}

export const isDevelopment = (env: Pick<Env, "ENVIRONMENT">): boolean => environment(env) === "development";

/** A positive integer var, or its default when unset or malformed. */
export function intVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
