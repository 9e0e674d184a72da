/**
 * Reading this device's scan log (pure): which tickets it knows to be in (for offline decisions
 * "against its own queue"), what still has to sync, and the gate's figures.
 */
import type { Presence } from "../../../src/domain/tickets/offline-sync";
import type { TicketCheck } from "../../../src/domain/tickets/verify";
import { decideLocally, type GateAnswer } from "./answer";
import type { ScanRecord } from "./gate-db";

export interface ReadAt { eventId: string; gateId: string; nonce: string; at: number }

/** What goes into the log for an answer: admits and already-used answers about a real ticket; nothing else. */
export function recordOf(a: GateAnswer, read: ReadAt): ScanRecord | null {
  if (!a.ticketId || (a.verdict !== "admitted" && a.verdict !== "already_used")) return null;
  return {
    nonce: read.nonce, eventId: read.eventId, gateId: read.gateId, ticketId: a.ticketId, label: a.label ?? "", at: a.at,
    mode: a.offline ? "offline" : "online", outcome: a.verdict, ...(a.first ? { first: a.first } : {}),
  };
}

/**
 * The offline decision and its log entry, in one synchronous step after the (async) verification:
 * the caller appends the record before anything else runs, so two reads of one ticket racing on
 * this device cannot both admit.
 */
export function decideOffline(check: TicketCheck, log: readonly ScanRecord[], read: ReadAt): { answer: GateAnswer; record: ScanRecord | null } {
  const known = check.ok ? knownPresence(log).get(check.ticket.ticketId) : undefined;
  const { answer } = decideLocally(check, known, read);
  return { answer, record: recordOf(answer, read) };
}

/** Ticket id → the entry this device knows of: its own admits, and first scans the room named. */
export function knownPresence(log: readonly ScanRecord[]): Map<string, Presence> {
  const known = new Map<string, Presence>();
  for (const r of log) {
    if (known.has(r.ticketId)) continue;
    if (r.outcome === "admitted") known.set(r.ticketId, { first: { scannedAt: r.at, gateId: r.gateId, nonce: r.nonce }, inside: true, entries: 1 });
    else if (r.first) known.set(r.ticketId, { first: { scannedAt: r.first.at, gateId: r.first.gateId, nonce: "" }, inside: true, entries: 1 });
  }
  return known;
}

export const unsynced = (log: readonly ScanRecord[]): ScanRecord[] => log.filter((r) => r.mode === "offline" && !r.sync);

export interface GateFigures {
  /** People this gate let in: online admits, and offline admits the room kept (or has not seen yet). */
  entries: number;
  /** Offline scans not yet synced. */
  pending: number;
  /** Offline admits the room found to be a second entry on a ticket already in. */
  conflicts: ScanRecord[];
  /** Offline scans the room refused to record (a reused nonce, a ticket it does not know). */
  rejected: number;
}

export function gateFigures(log: readonly ScanRecord[], gateId: string): GateFigures {
  const mine = log.filter((r) => r.gateId === gateId);
  const admittedHere = (r: ScanRecord) => r.outcome === "admitted" && (r.mode === "online" || !r.sync || r.sync.result === "admitted");
  return {
    entries: mine.filter(admittedHere).length,
    pending: unsynced(mine).length,
    conflicts: mine.filter((r) => r.sync?.result === "conflict"),
    rejected: mine.filter((r) => r.sync?.result === "rejected").length,
  };
}
