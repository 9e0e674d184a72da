/**
 * Settings of the load models that follow the closed scenarios (load-models.ts), from the environment:
 * BENCH_MODELS (`off` skips them), BENCH_OPEN_RATE (req/s offered to plain, do and reserve; 0 =
 * 75 % of this run's closed reserve throughput), BENCH_OPEN_SECONDS (10), BENCH_SPIKE_PEAK (req/s
 * at the end of the ramp; 0 = 1.5 × the closed reserve throughput, so the spike ends past what the
 * machine serves), BENCH_SPIKE_SECONDS (10), BENCH_MULTI_EVENTS (`1,2,4,8`), BENCH_MULTI_REQUESTS
 * (per event and step, 300), BENCH_MAX_IN_FLIGHT (the open model's socket bound, 1000).
 */
import { LIMITS } from "../../src/domain/seat-map";

export interface ModelsConfig {
  enabled: boolean;
  openRate: number;
  openSeconds: number;
  spikePeak: number;
  spikeSeconds: number;
  multiEvents: number[];
  multiRequests: number;
  maxInFlight: number;
  /** Settings that differ from the defaults, for the report's heading. */
  overrides: Record<string, number | string>;
}

const DEFAULTS = { BENCH_OPEN_RATE: 0, BENCH_OPEN_SECONDS: 10, BENCH_SPIKE_PEAK: 0, BENCH_SPIKE_SECONDS: 10, BENCH_MULTI_REQUESTS: 300, BENCH_MAX_IN_FLIGHT: 1000 } as const;
const DEFAULT_MULTI = "1,2,4,8";
/** Share of the closed reserve throughput the open runs offer by default: busy, but below saturation. */
export const OPEN_SHARE = 0.75;
/** Peak of the default spike as a multiple of the closed reserve throughput. */
export const SPIKE_FACTOR = 1.5;
/** Untimed reserves that wake each fresh room (and its isolate) before it is measured. */
export const ROOM_WARMUP = 20;

export function modelsConfig(env: NodeJS.ProcessEnv): ModelsConfig {
  const overrides: Record<string, number | string> = {};
  const int = (name: keyof typeof DEFAULTS, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return DEFAULTS[name];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
    if (n !== DEFAULTS[name]) overrides[name] = n;
    return n;
  };
  const multiRaw = env.BENCH_MULTI_EVENTS || DEFAULT_MULTI;
  const multiEvents = multiRaw.split(",").map((s) => Number(s.trim()));
  if (!multiEvents.every((n) => Number.isInteger(n) && n >= 1 && n <= 32)) throw new Error(`BENCH_MULTI_EVENTS must list event counts 1…32 (got "${multiRaw}")`);
  if (multiRaw !== DEFAULT_MULTI) overrides.BENCH_MULTI_EVENTS = multiRaw;
  if (env.BENCH_MODELS === "off") overrides.BENCH_MODELS = "off";
  const c: Omit<ModelsConfig, "overrides"> = {
    enabled: env.BENCH_MODELS !== "off", openRate: int("BENCH_OPEN_RATE", 0), openSeconds: int("BENCH_OPEN_SECONDS", 1),
    spikePeak: int("BENCH_SPIKE_PEAK", 0), spikeSeconds: int("BENCH_SPIKE_SECONDS", 1), multiEvents,
    multiRequests: int("BENCH_MULTI_REQUESTS", 1), maxInFlight: int("BENCH_MAX_IN_FLIGHT", 1),
  };
  // Each multi-event room sells distinct seats in every step it takes part in.
  if (multiEvents.length * (c.multiRequests + ROOM_WARMUP) > LIMITS.reservedSeats) {
    throw new Error(`BENCH_MULTI_REQUESTS × steps must stay under ${LIMITS.reservedSeats} seats per event`);
  }
  return { ...c, overrides };
}

/** Seats an event needs for `requests` reserves plus its warm-up: the seat map's limit caps the open and spike runs. */
export const seatsFor = (requests: number): number => Math.min(LIMITS.reservedSeats, requests + ROOM_WARMUP);
