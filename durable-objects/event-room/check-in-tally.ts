/**
 * Entries per gate per minute, for the check-in dashboard. Counted in the same synchronous step as
 * the entry it counts (check-in.ts), so the tally and the tickets' record cannot disagree. An
 * offline entry counts in the minute its gate scanned it (never later than its sync).
 */
const MINUTE_MS = 60_000;
/** The dashboard's window of per-minute counts, and the most gates it lists (the busiest). */
export const TALLY_WINDOW_MINUTES = 60;
export const MAX_GATES_SHOWN = 50;

export interface GateTally { gate_id: string; entries: number; per_minute: { minute: string; entries: number }[] }

export class CheckInTally {
  constructor(private readonly sql: SqlStorage) {}

  entered(gateId: string, at: number, now: number): void {
    const minute = Math.floor(Math.min(at, now) / MINUTE_MS) * MINUTE_MS;
    this.sql.exec(`INSERT INTO check_in_minutes (gate_id, minute, entries) VALUES (?, ?, 1)
      ON CONFLICT (gate_id, minute) DO UPDATE SET entries = entries + 1`, gateId, minute);
  }

  /** The busiest gates with their totals, and their entries a minute over the last hour (minutes with none left out). */
  byGate(now: number): GateTally[] {
    const gates = this.sql.exec<{ gate_id: string; entries: number }>(
      "SELECT gate_id, SUM(entries) AS entries FROM check_in_minutes GROUP BY gate_id ORDER BY entries DESC, gate_id LIMIT ?", MAX_GATES_SHOWN).toArray();
    const since = Math.floor(now / MINUTE_MS) * MINUTE_MS - (TALLY_WINDOW_MINUTES - 1) * MINUTE_MS;
    const recent = new Map<string, { minute: string; entries: number }[]>();
    for (const r of this.sql.exec<{ gate_id: string; minute: number; entries: number }>(
      "SELECT gate_id, minute, entries FROM check_in_minutes WHERE minute >= ? ORDER BY minute", since)) {
      const list = recent.get(r.gate_id) ?? [];
      list.push({ minute: new Date(r.minute).toISOString(), entries: r.entries });
      recent.set(r.gate_id, list);
    }
    return gates.map((g) => ({ gate_id: g.gate_id, entries: g.entries, per_minute: recent.get(g.gate_id) ?? [] }));
  }
}
