/**
 * `npm run bench` settings from the environment, and the sizes derived from them.
 * BENCH_CONCURRENCY (32), BENCH_REQUESTS per scenario (2000), BENCH_WARMUP per scenario (100),
 * BENCH_USERS (200), BENCH_PIPELINE_MESSAGES (3000), BENCH_LOG_LEVEL (the app's LOG_LEVEL;
 * wrangler.toml's when unset), BENCH_README (`off` leaves README.md alone).
 */
import { LIMITS } from "../../src/domain/seat-map";

export interface BenchConfig {
  concurrency: number;
  requests: number;
  warmup: number;
  users: number;
  pipelineMessages: number;
  logLevel: string | undefined;
  updateReadme: boolean;
  /** The settings that differ from the defaults, for the report's heading. */
  overrides: Record<string, number>;
}

export const DEFAULTS = { BENCH_CONCURRENCY: 32, BENCH_REQUESTS: 2000, BENCH_WARMUP: 100, BENCH_USERS: 200, BENCH_PIPELINE_MESSAGES: 3000 } as const;

/** Registration hashes passwords (PBKDF2, 100k iterations): keep it gentle on two cores. */
export const REGISTER_CONCURRENCY = 8;
export const REQUEST_TIMEOUT_MS = 30_000;
/** How long the outbox, the confirmations and the pipeline's consumer may take to catch up. */
export const CATCH_UP_TIMEOUT_MS = 120_000;
export const RESULTS_DIR = "bench-results";
export const STATE_DIR = ".tmp/bench-state";

/**
 * Unpaid seats one bench account may hold per event: the bound src/config.ts accepts (a larger
 * value is refused there and the default of 8 used, which makes most reserves answer 409).
 */
export const HELD_SEATS_CAP = "10000";

function intEnv(env: NodeJS.ProcessEnv, name: keyof typeof DEFAULTS, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return DEFAULTS[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return n;
}

export function benchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const overrides: Record<string, number> = {};
  const int = (name: keyof typeof DEFAULTS, min = 1): number => {
    const n = intEnv(env, name, min);
    if (n !== DEFAULTS[name]) overrides[name] = n;
    return n;
  };
  const c: BenchConfig = {
    concurrency: int("BENCH_CONCURRENCY"), requests: int("BENCH_REQUESTS"), warmup: int("BENCH_WARMUP", 0), users: int("BENCH_USERS"),
    pipelineMessages: int("BENCH_PIPELINE_MESSAGES"), logLevel: env.BENCH_LOG_LEVEL || undefined, updateReadme: env.BENCH_README !== "off", overrides,
  };
  if (seatsNeeded(c) > LIMITS.reservedSeats) {
    throw new Error(`BENCH_REQUESTS + BENCH_WARMUP must be ≤ ${LIMITS.reservedSeats / 2}, the seat map limit for two scenarios (got ${c.requests + c.warmup})`);
  }
  return c;
}

/** One distinct seat per reserve and per pay request: the reserve scenario's seats come first, then the pay scenario's. */
export const seatsNeeded = (c: Pick<BenchConfig, "requests" | "warmup">): number => 2 * (c.requests + c.warmup);
