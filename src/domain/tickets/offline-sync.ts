/**
 * Merging an offline gate's queued scans into the room's record (pure). The room serializes sync
 * calls, reads what it has through the lookups, and writes back what this returns.
 *
 * Rules:
 * - A scan is identified by (gate id, nonce). The same scan again gets the decision it got the
 *   first time and changes nothing (a replayed batch is harmless); the same identity with other
 *   content is rejected (`nonce_reused`).
 * - The room's record decides, not the scan times: the first scan the room recorded (online, or
 *   synced earlier) is the ticket's entry. Offline clocks are not trusted to reorder history.
 * - A scan the gate refused locally is `already_used` (nothing counted).
 * - A scan the gate let in on a ticket that was already in (another gate's entry, or a second one
 *   of its own) is a `conflict`: a double entry the organizer sees, naming the first scan.
 * - With re-entry on, an "out" scan marks the ticket outside and the next "in" is admitted again;
 *   an "in" while inside is still a conflict. With re-entry off, direction is ignored.
 * Within a batch, scans are applied in scan-time order (nonce breaking ties), so a gate's own
 * queue replays in the order it happened.
 */
export interface QueuedScan {
  ticketId: string;
  /** The gate's clock when it scanned, epoch ms. */
  scannedAt: number;
  gateId: string;
  nonce: string;
  direction: "in" | "out";
  /** What the gate decided on its own. */
  local: "admitted" | "refused";
}

export interface ScanRef { scannedAt: number; gateId: string; nonce: string }

export interface Presence {
  /** The ticket's entry: the first admitted scan the room recorded. */
  first: ScanRef;
  inside: boolean;
  /** Entries admitted (1 + re-entries). */
  entries: number;
}

export type SyncDecision =
  | { result: "admitted"; reentry: boolean }
  | { result: "exited" }
  | { result: "already_used"; first: ScanRef | null }
  | { result: "conflict"; first: ScanRef }
  | { result: "rejected"; reason: "nonce_reused" };

export interface RecordedScan { scan: QueuedScan; decision: SyncDecision }

export interface SyncLookups {
  presence: (ticketId: string) => Presence | undefined;
  /** The scan recorded under (gate id, nonce), if any. */
  recorded: (gateId: string, nonce: string) => RecordedScan | undefined;
}

export interface SyncOutcome {
  /** One per input scan, in input order. */
  decisions: SyncDecision[];
  /** Presence rows to write (ticket id → new value). */
  presence: Map<string, Presence>;
  /** New scans to record (replays and rejections are not recorded). */
  recorded: RecordedScan[];
}

const sameScan = (a: QueuedScan, b: QueuedScan) =>
  a.ticketId === b.ticketId && a.scannedAt === b.scannedAt && a.direction === b.direction && a.local === b.local;
const scanKey = (gateId: string, nonce: string) => `${gateId}\n${nonce}`;
const ref = (s: QueuedScan): ScanRef => ({ scannedAt: s.scannedAt, gateId: s.gateId, nonce: s.nonce });

export type OnlineDecision = { result: "admitted"; reentry: boolean } | { result: "exited" } | { result: "already_used"; first: ScanRef };

/**
 * An online scan, decided by the room at once (same presence model): the first admits, any later
 * one is `already_used` naming the first, unless re-entry is on and the ticket went out.
 */
export function decideOnlineScan(current: Presence | undefined, scan: ScanRef & { direction: "in" | "out" }, opts: { reentry: boolean }): { decision: OnlineDecision; next?: Presence } {
  if (opts.reentry && scan.direction === "out") return { decision: { result: "exited" }, ...(current ? { next: { ...current, inside: false } } : {}) };
  const first: ScanRef = { scannedAt: scan.scannedAt, gateId: scan.gateId, nonce: scan.nonce };
  if (!current) return { decision: { result: "admitted", reentry: false }, next: { first, inside: true, entries: 1 } };
  if (opts.reentry && !current.inside) return { decision: { result: "admitted", reentry: true }, next: { ...current, inside: true, entries: current.entries + 1 } };
  return { decision: { result: "already_used", first: current.first } };
}

function decide(scan: QueuedScan, current: Presence | undefined, reentry: boolean): { decision: SyncDecision; next?: Presence } {
  if (scan.local === "refused") return { decision: { result: "already_used", first: current?.first ?? null } };
  const asOnline = decideOnlineScan(current, { ...ref(scan), direction: scan.direction }, { reentry });
  // The gate let this one in where the room would have refused: two people entered on one ticket.
  if (asOnline.decision.result === "already_used") return { decision: { result: "conflict", first: asOnline.decision.first } };
  return asOnline;
}

export function mergeOfflineScans(scans: readonly QueuedScan[], lookups: SyncLookups, opts: { reentry: boolean }): SyncOutcome {
  const presence = new Map<string, Presence>();
  const recordedNow = new Map<string, RecordedScan>();
  const decisions = new Array<SyncDecision>(scans.length);
  const order = scans.map((s, i) => ({ s, i })).sort((a, b) => a.s.scannedAt - b.s.scannedAt || (a.s.nonce < b.s.nonce ? -1 : a.s.nonce > b.s.nonce ? 1 : a.i - b.i));
  for (const { s, i } of order) {
    const key = scanKey(s.gateId, s.nonce);
    const before = recordedNow.get(key) ?? lookups.recorded(s.gateId, s.nonce);
    if (before) {
      decisions[i] = sameScan(before.scan, s) ? before.decision : { result: "rejected", reason: "nonce_reused" };
      continue;
    }
    const { decision, next } = decide(s, presence.get(s.ticketId) ?? lookups.presence(s.ticketId), opts.reentry);
    if (next) presence.set(s.ticketId, next);
    const recorded = { scan: s, decision };
    recordedNow.set(key, recorded);
    decisions[i] = decision;
  }
  return { decisions, presence, recorded: [...recordedNow.values()] };
}

