/** Numbers and tables for `npm run bench` (scripts/bench/); no I/O here. */

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export interface ScenarioResult {
  name: string;
  description: string;
  /** Timed requests sent (warm-up excluded). */
  requests: number;
  /** Requests that failed: a network error or a status other than the expected one. */
  errors: number;
  /** A few distinct error descriptions with how often each occurred. */
  error_samples: { error: string; count: number }[];
  duration_s: number;
  rps: number;
  /** Latency of successful requests, from sending the request to reading the whole body. */
  latency_ms: LatencySummary;
}

export interface Ratio {
  /** reserve req/s ÷ baseline req/s: the share of the baseline's throughput the reserve path keeps. */
  throughput: number;
  /** reserve p50 ÷ baseline p50: how many times slower a typical reserve is. */
  latency_p50: number;
}

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((s, x) => s + x, 0) / sorted.length : 0;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    mean: round(mean),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

export function ratio(reserve: ScenarioResult, baseline: ScenarioResult): Ratio {
  return {
    throughput: round(baseline.rps ? reserve.rps / baseline.rps : 0, 3),
    latency_p50: round(baseline.latency_ms.p50 ? reserve.latency_ms.p50 / baseline.latency_ms.p50 : 0, 2),
  };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A Markdown table padded so it also reads well in a terminal. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], rightAlign: readonly boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const cell = (s: string, i: number) => (rightAlign[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (rightAlign[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
