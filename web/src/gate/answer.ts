/**
 * What the gate shows after a read, from either decider: the room's online answer or the gate's
 * own offline decision (the reference verifier, then the online rule against this device's log).
 * Pure: the page only renders it.
 */
import type { z } from "zod";
import type { scanResultSchema } from "../../../src/contract/gate";
import type { OnlineDecision, Presence } from "../../../src/domain/tickets/offline-sync";
import { decideOnlineScan } from "../../../src/domain/tickets/offline-sync";
import type { TicketCheck } from "../../../src/domain/tickets/verify";

export type Verdict = "admitted" | "exited" | "already_used" | "revoked" | "expired_code" | "not_yet_valid" | "wrong_event" | "invalid" | "no_manifest";

export interface GateAnswer {
  verdict: Verdict;
  /** The finer reason (e.g. `code_too_old`, `bad_device_signature`), when there is one. */
  reason?: string;
  /** The seat or area the signed code names. */
  label?: string;
  ticketId?: string;
  /** With `already_used`: the scan that admitted the ticket. */
  first?: { at: number; gateId: string };
  /** Decided by this device without the room (queued for sync). */
  offline: boolean;
  /** When it was read (epoch ms). */
  at: number;
}

export const isGreen = (a: Pick<GateAnswer, "verdict">): boolean => a.verdict === "admitted" || a.verdict === "exited";

type ScanResult = z.output<typeof scanResultSchema>;

/** The room's answer to an online scan. Its `invalid/wrong_event` is shown as the wrong event. */
export function fromRoom(r: ScanResult, at: number): GateAnswer {
  const verdict: Verdict = r.result === "invalid" && r.reason === "wrong_event" ? "wrong_event" : r.result;
  return {
    verdict, at, offline: false,
    ...(r.reason && verdict !== "wrong_event" ? { reason: r.reason } : {}),
    ...(r.ticket ? { label: r.ticket.label, ticketId: r.ticket.ticket_id } : {}),
    ...(r.first_scan ? { first: { at: Date.parse(r.first_scan.scanned_at), gateId: r.first_scan.gate_id } } : {}),
  };
}

/** A code the room refused as not a ticket code at all (422 `invalid_code`). */
export const notACode = (at: number, offline = false): GateAnswer => ({ verdict: "invalid", reason: "malformed", offline, at });

/**
 * The offline decision: the verifier's refusal as it is, else the online rule (first admits, later
 * ones are already used) against what this device knows. Returns the answer and, when the scan
 * admitted, the presence to remember.
 */
export function decideLocally(check: TicketCheck, known: Presence | undefined, scan: { at: number; gateId: string; nonce: string }): { answer: GateAnswer; decision?: OnlineDecision; next?: Presence } {
  const base = { offline: true, at: scan.at };
  if (!check.ok) {
    switch (check.result) {
      case "invalid": return { answer: { ...base, verdict: "invalid", reason: check.reason } };
      case "unknown_key": return { answer: { ...base, verdict: "invalid", reason: "unknown_key" } };
      case "wrong_event": return { answer: { ...base, verdict: "wrong_event" } };
      case "revoked": return { answer: { ...base, verdict: "revoked", label: check.ticket.label, ticketId: check.ticket.ticketId } };
      default: return { answer: { ...base, verdict: check.result, reason: check.reason, label: check.ticket.label, ticketId: check.ticket.ticketId } };
    }
  }
  const t = check.ticket;
  const { decision, next } = decideOnlineScan(known, { scannedAt: scan.at, gateId: scan.gateId, nonce: scan.nonce, direction: "in" }, { reentry: false });
  const ticket = { label: t.label, ticketId: t.ticketId };
  if (decision.result === "already_used") {
    return { answer: { ...base, ...ticket, verdict: "already_used", first: { at: decision.first.scannedAt, gateId: decision.first.gateId } }, decision };
  }
  return { answer: { ...base, ...ticket, verdict: decision.result }, decision, ...(next ? { next } : {}) };
}
