/**
 * The bench's load generator: a closed loop keeping `concurrency` operations in flight, timing
 * each from sending to reading the whole body, and a scenario runner (warm-up, then timed).
 */
import { performance } from "node:perf_hooks";
import { formatError } from "../../src/describe-error";
import { round, summarizeLatencies, type ScenarioResult } from "../lib/bench-stats";
import { REQUEST_TIMEOUT_MS, type BenchConfig } from "./config";
import type { CpuMeter, CpuUsage } from "./cpu";

export interface Target { url: string; init: RequestInit }
/** One timed operation: resolves to null when it succeeded, or a short description of what failed. */
export type Op = (i: number) => Promise<string | null>;

export interface Scenario {
  name: string;
  description: string;
  op: Op;
  /** Runs between warm-up and the timed requests, untimed. */
  afterWarmup?: () => Promise<void>;
  /** Runs right after the timed requests, untimed (before the next scenario loads the machine). */
  afterTimed?: () => Promise<void>;
}

export interface ScenarioRun { result: ScenarioResult; warmup: { requests: number; ok: number; errors: number }; cpu?: CpuUsage }

export interface LoadOutcome { ok: number; latencies: number[]; errors: Map<string, number>; durationMs: number }

/** A single request expecting one status; the body is read in full before the clock stops. */
export async function send(t: Target, expected: number): Promise<{ error: string | null; body: string }> {
  try {
    const res = await fetch(t.url, { ...t.init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await res.text();
    return { error: res.status === expected ? null : `HTTP ${res.status}: ${body.slice(0, 200)}`, body };
  } catch (e) {
    return { error: `network: ${formatError(e)}`, body: "" };
  }
}

/** The common case: each operation is one request built by `target(i)` before the clock starts. */
export const request = (target: (i: number) => Target, expected: number): Op => async (i) => (await send(target(i), expected)).error;

/**
 * Runs `count` operations keeping `concurrency` in flight (a closed loop: each slot starts its
 * next operation when the last one finished). Index i runs from `offset`.
 */
export async function runLoad(count: number, offset: number, concurrency: number, op: Op): Promise<LoadOutcome> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let ok = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    for (let i = next++; i < count; i = next++) {
      const sent = performance.now();
      const error = await op(offset + i);
      if (error) errors.set(error, (errors.get(error) ?? 0) + 1);
      else {
        latencies.push(performance.now() - sent);
        ok++;
      }
    }
  }));
  return { ok, latencies, errors, durationMs: performance.now() - t0 };
}

/** Warm-up (indexes 0…warmup-1), then the timed requests (from warmup on); `meter` reads each process's CPU over the timed part. */
export async function runScenario(s: Scenario, c: Pick<BenchConfig, "concurrency" | "requests" | "warmup">, log: (msg: string) => void, meter?: CpuMeter): Promise<ScenarioRun> {
  log(`${s.name}: warm-up ${c.warmup}, then ${c.requests} timed requests at concurrency ${c.concurrency}`);
  const warm = await runLoad(c.warmup, 0, c.concurrency, s.op);
  await s.afterWarmup?.();
  const mark = meter?.mark();
  const timed = await runLoad(c.requests, c.warmup, c.concurrency, s.op);
  const cpu = mark && meter?.since(mark, c.requests);
  await s.afterTimed?.();
  const errors = c.requests - timed.ok;
  const result: ScenarioResult = {
    name: s.name, description: s.description, requests: c.requests, errors,
    error_samples: [...timed.errors].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([error, n]) => ({ error, count: n })),
    duration_s: round(timed.durationMs / 1000, 3),
    // Throughput counts every completed request, as the server did the work either way.
    rps: round(c.requests / (timed.durationMs / 1000), 1),
    latency_ms: summarizeLatencies(timed.latencies),
  };
  const l = result.latency_ms;
  log(`${s.name}: ${result.rps} req/s, p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, errors ${errors}`);
  for (const e of result.error_samples) log(`  ${e.count}× ${e.error}`);
  return { result, warmup: { requests: c.warmup, ok: warm.ok, errors: c.warmup - warm.ok }, ...(cpu ? { cpu } : {}) };
}
