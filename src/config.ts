/**
 * The deployment's settings: every var a Worker or an EventRoom reads, parsed once per env object
 * with zod, with its default here and nowhere else. wrangler.toml lists only what differs from
 * these per environment (and what a bare deploy must state). Secrets (DATABASE_URL, keys, tokens)
 * are not settings: code reads them from the env where it uses them.
 *
 * A value that is malformed or out of bounds is not fatal (one typo must not take a deployment
 * down): the default is used and a warning names the var.
 */
import { z } from "zod";
import { makeLogger } from "./log";

export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const BUS_MODES = ["kafka", "in_process"] as const;
export type BusMode = (typeof BUS_MODES)[number];

/** Access tokens live at most this long, whatever ACCESS_TOKEN_TTL_SECONDS says. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 900;

/** The vars this module reads (all strings, as wrangler passes them). */
export const CONFIG_VARS = [
  "ENVIRONMENT", "LOG_LEVEL", "HOLD_TTL_SECONDS", "MAX_SEATS_PER_BOOKING", "MAX_HELD_SEATS_PER_ACCOUNT",
  "ACCESS_TOKEN_TTL_SECONDS", "REFRESH_TOKEN_TTL_SECONDS",
  "CORS_ORIGINS", "MAILBOX_PAGE", "BUS_MODE", "BUS_LAG_DEGRADED_SECONDS", "PUBLIC_BASE_URL", "PG_WS_PROXY", "STRIPE_API_BASE",
  "STRIPE_PUBLISHABLE_KEY",
  "QUEUE_SHARDS",
  "DEVICE_BINDS_PER_DAY",
  "GATE_ACCOUNTS_PER_EVENT",
] as const;
export type ConfigVar = (typeof CONFIG_VARS)[number];
export type ConfigVars = { readonly [K in ConfigVar]?: string | undefined };


export interface Config {
  /** Unset or unknown is production: the safe reading of a bare deploy. */
  environment: Environment;
  logLevel: LogLevel;
  /** How long a reservation holds its seats. Rooms read it at each reservation. */
  holdTtlSeconds: number;
  /** How many times a day one ticket may be bound to a (new) phone: stops a reseller rebinding in a loop. */
  deviceBindsPerDay: number;
  /** Gate accounts (staff logins) one event may have enabled at once. */
  gateAccountsPerEvent: number;
  /** Seats (or general-admission places) in one booking. */
  maxSeatsPerBooking: number;
  /** Unpaid seats one account may hold for one event at once (places count as seats). */
  maxHeldSeatsPerAccount: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Browser origins allowed to call the API (exact scheme://host[:port]). */
  corsOrigins: ReadonlySet<string>;
  /** The notifications mailbox at /dev/mail (served only in development even when on). */
  mailboxPage: boolean;
  busMode: BusMode;
  busLagDegradedSeconds: number;
  /** Where this Worker is reachable (the simulator delivers webhooks here), without a trailing slash. */
  publicBaseUrl: string;
  /** The local WebSocket-to-TCP proxy for the Neon driver; undefined in production. */
  pgWsProxy: string | undefined;
  /** Another Stripe API endpoint (stripe-mock in tests). */
  stripeApiBase: string | undefined;
  /** Stripe's publishable key (pk_…), handed to the web app's Payment Element; public by design, so a var, not a secret. */
  stripePublishableKey: string | undefined;
  /** Queue shards per event (objects that take its joins); fixed per event when its queue is first configured. */
  queueShards: number;
}

const whole = (min: number, max: number) =>
  z.string().regex(/^[0-9]{1,12}$/, "must be a whole number").transform(Number).pipe(z.number().int().min(min).max(max));
const origin = z.string().regex(/^https?:\/\/[^/\s,]+$/, "must be scheme://host[:port]");
const originList = z.string().transform((s) => s.split(",").map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean)).pipe(z.array(origin));
const onOff = z.enum(["on", "off"]).transform((v) => v === "on");
const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ""));
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, "must be host:port");

/** Parses `vars`; `warn` hears of every var that was set but unusable (its default was used instead). */
export function parseConfig(vars: ConfigVars, warn: (name: ConfigVar, problem: string) => void = () => {}): Config {
  function read<T>(name: ConfigVar, schema: z.ZodType<T, string>, fallback: T): T {
    const raw = vars[name];
    if (raw === undefined || raw === "") return fallback;
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    warn(name, z.prettifyError(r.error));
    return fallback;
  }
  return {
    environment: read("ENVIRONMENT", z.enum(ENVIRONMENTS), "production"),
    logLevel: read("LOG_LEVEL", z.enum(LOG_LEVELS), "info"),
    holdTtlSeconds: read("HOLD_TTL_SECONDS", whole(1, 86_400), 600),
    deviceBindsPerDay: read("DEVICE_BINDS_PER_DAY", whole(1, 100), 3),
    gateAccountsPerEvent: read("GATE_ACCOUNTS_PER_EVENT", whole(1, 10_000), 200),
    maxSeatsPerBooking: read("MAX_SEATS_PER_BOOKING", whole(1, 50), 8),
    maxHeldSeatsPerAccount: read("MAX_HELD_SEATS_PER_ACCOUNT", whole(1, 10_000), 8),
    // Longer asks are capped, not refused: the edge revocation store keeps entries for this long at most.
    accessTokenTtlSeconds: Math.min(read("ACCESS_TOKEN_TTL_SECONDS", whole(1, 31_536_000), MAX_ACCESS_TOKEN_TTL_SECONDS), MAX_ACCESS_TOKEN_TTL_SECONDS),
    refreshTokenTtlSeconds: read("REFRESH_TOKEN_TTL_SECONDS", whole(60, 400 * 86_400), 14 * 86_400),
    corsOrigins: new Set(read("CORS_ORIGINS", originList, [])),
    mailboxPage: read("MAILBOX_PAGE", onOff, false),
    busMode: read("BUS_MODE", z.enum(BUS_MODES), "kafka"),
    busLagDegradedSeconds: read("BUS_LAG_DEGRADED_SECONDS", whole(1, 86_400), 60),
    publicBaseUrl: read("PUBLIC_BASE_URL", httpUrl, "http://127.0.0.1:8787"),
    pgWsProxy: read<string | undefined>("PG_WS_PROXY", hostPort, undefined),
    stripeApiBase: read<string | undefined>("STRIPE_API_BASE", httpUrl, undefined),
    stripePublishableKey: read<string | undefined>("STRIPE_PUBLISHABLE_KEY", z.string().regex(/^pk_(test|live)_[A-Za-z0-9]{1,200}$/, "must be a Stripe publishable key (pk_…)"), undefined),
    queueShards: read("QUEUE_SHARDS", whole(1, 64), 8),
  };
}

const parsed = new WeakMap<ConfigVars, Config>();

/** The settings of this env object, parsed on first use (a redeploy brings a new env, so new values reach every room). */
export function config(vars: ConfigVars): Config {
  let c = parsed.get(vars);
  if (!c) {
    const problems: { name: ConfigVar; problem: string }[] = [];
    c = parseConfig(vars, (name, problem) => problems.push({ name, problem }));
    const log = makeLogger({ request_id: "config" }, c.logLevel);
    for (const p of problems) log.warn("setting ignored: malformed or out of bounds; using its default", { setting: p.name, problem: p.problem });
    parsed.set(vars, c);
  }
  return c;
}

/** The deployment's environment (see Config.environment). */
export const environment = (vars: ConfigVars): Environment => config(vars).environment;
export const isDevelopment = (vars: ConfigVars): boolean => environment(vars) === "development";
