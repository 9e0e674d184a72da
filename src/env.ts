import type { EventRoom } from "../durable-objects/event-room";

/** Bindings and vars from wrangler.toml, secrets from `wrangler secret` / .dev.vars. */
export interface Env {
  EVENT_ROOM: DurableObjectNamespace<EventRoom>;
  DATABASE_URL: string;
  JWT_PRIVATE_JWK: string;
  PG_WS_PROXY?: string;
  HOLD_TTL_SECONDS?: string;
  MAX_SEATS_PER_BOOKING?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  REFRESH_TOKEN_TTL_SECONDS?: string;
  LOG_LEVEL?: string;
}

/** A positive integer var, or its default when unset or malformed. */
export function intVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
