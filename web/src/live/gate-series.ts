/**
 * The check-in chart's lines from the per-gate minute counts the API serves: one x (every minute
 * of the last hour up to now, seconds since the epoch) and, per gate, its entries in each (0 where
 * none). Pure; time is an input.
 */
const MINUTE_MS = 60_000;

export interface GateMinutes { gate_id: string; entries: number; per_minute: { minute: string; entries: number }[] }

export function gateSeries(gates: readonly GateMinutes[], now: number, minutes = 60): { x: number[]; lines: { gate: string; values: number[] }[] } {
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const starts = Array.from({ length: minutes }, (_, k) => end - (minutes - 1 - k) * MINUTE_MS);
  const lines = gates.map((g) => {
    const by = new Map(g.per_minute.map((m) => [Date.parse(m.minute), m.entries]));
    return { gate: g.gate_id, values: starts.map((t) => by.get(t) ?? 0) };
  });
  return { x: starts.map((t) => t / 1000), lines };
}
