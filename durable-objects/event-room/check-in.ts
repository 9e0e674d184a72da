/**
 * Tickets and check-in. A confirmed booking gets one ticket per seat or place; a refund revokes
 * them (a floor no core passes, see ticket-issuer.ts). Scans are serialized here: the code is
 * verified first (signatures only: no state, so it may await), then the decision and its write
 * run in one synchronous step, so of any number of concurrent scans of a ticket exactly one admits.
 * Offline gates' queued scans merge into the same record (src/domain/tickets/offline-sync.ts).
 */
import { decideOnlineScan, mergeOfflineScans, type Presence, type QueuedScan, type RecordedScan, type ScanRef, type SyncDecision } from "../../src/domain/tickets/offline-sync";
import { isRevoked } from "../../src/domain/tickets/revocations";
import { CLOCK_SKEW_SECONDS, CODE_WINDOW_SECONDS, verifyTicketCode } from "../../src/domain/tickets/verify";
import { orIssuedHere, VerifiedCores, type KnownCores } from "../../src/domain/tickets/verified-cores";
import { ok, refuse, type BookingItem, type RoomResult, type TicketInfo } from "./contract";
import { CheckInTally, type GateTally } from "./check-in-tally";
import type { RoomMeta } from "./meta";
import type { TicketIssuer } from "./ticket-issuer";
import type { TicketRecords } from "./ticket-records";
import type { TimedPart } from "./timers";

export interface TicketStatus extends TicketInfo { status: string }

export interface ScanAnswer {
  result: "admitted" | "exited" | "already_used" | "invalid" | "expired_code" | "not_yet_valid" | "revoked";
  reason?: string;
  ticket: { ticket_id: string; label: string; version: number } | null;
  first_scan?: { scanned_at: string; gate_id: string };
  reentry?: boolean;
}

export type SyncAnswer = SyncDecision | { result: "rejected"; reason: "unknown_ticket" };

/** What the holder's wallet shows about one ticket: refunded, used, or moved to a newer phone. */
export interface TicketHolderState { ticket_id: string; status: "valid" | "used" | "void"; version: number; checked_in_at: string | null }

export interface CheckInStats {
  tickets: number; admitted: number; inside: number; conflicts: number; scans: number; reentry: boolean;
  /** The first entry at any gate: doors are open from then on. */
  doors_opened_at: string | null;
  /** Valid tickets not admitted yet, once doors are open (null before). */
  no_shows: number | null;
  gates: GateTally[];
}

const firstScan = (f: ScanRef) => ({ scanned_at: new Date(f.scannedAt).toISOString(), gate_id: f.gateId });

export class CheckIn implements TimedPart {
  readonly name = "check_in";

  private readonly tally: CheckInTally;
  /** Cores this room signed, or checked before: their issuer signature is not verified at each scan. */
  private readonly cores: KnownCores;

  constructor(private readonly sql: SqlStorage, private readonly meta: RoomMeta, private readonly issuer: TicketIssuer, private readonly records: TicketRecords) {
    this.tally = new CheckInTally(sql);
    this.cores = orIssuedHere(new VerifiedCores(), (s) => issuer.issued(s));
  }

  /** One ticket per seat or general-admission place, held by the buyer. Call inside the confirming transaction. */
  issue(bookingId: string, items: BookingItem[], buyerId: string, correlationId: string): TicketInfo[] {
    const issued: TicketInfo[] = [];
    for (const item of items) {
      const ids = item.kind === "seat" ? [item.item_id] : Array.from({ length: item.quantity }, (_, k) => `${item.item_id}#${k + 1}`);
      for (const itemId of ids) {
        const ticketId = crypto.randomUUID();
        // The legacy secret column stays filled for older readers; cores are what admit now.
        const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
        this.sql.exec("INSERT INTO tickets (ticket_id, booking_id, item_id, secret, holder_id, issued_at) VALUES (?, ?, ?, ?, ?, ?)",
          ticketId, bookingId, itemId, secret, buyerId, Date.now());
        this.issuer.added(ticketId);
        this.records.announce({ type: "TicketIssued" }, ticketId, correlationId);
        issued.push({ ticket_id: ticketId, item_id: itemId });
      }
    }
    return issued;
  }

  /** The booking's money went back: its tickets admit nobody, online at once and offline after the next delta. */
  voidFor(bookingId: string, reason: string, correlationId: string): void {
    const ids = this.sql.exec<{ ticket_id: string }>("SELECT ticket_id FROM tickets WHERE booking_id = ? AND status <> 'void'", bookingId).toArray();
    this.sql.exec("UPDATE tickets SET status = 'void' WHERE booking_id = ?", bookingId);
    for (const t of ids) {
      this.issuer.revoke(t.ticket_id);
      this.records.announce({ type: "TicketRevoked", reason }, t.ticket_id, correlationId);
    }
  }

  /** Whether a ticket of the booking is held by someone other than its buyer (it was transferred). */
  heldByOthers(bookingId: string, buyerId: string): boolean {
    return this.sql.exec("SELECT 1 FROM tickets WHERE booking_id = ? AND holder_id IS NOT NULL AND holder_id <> ? LIMIT 1", bookingId, buyerId).toArray().length > 0;
  }

  /** Whether the ticket was ever admitted (a used ticket cannot change hands). */
  used(ticketId: string): boolean {
    return this.presence(ticketId) !== undefined;
  }

  list(bookingId: string): TicketStatus[] {
    return this.sql.exec<{ ticket_id: string; item_id: string; status: string }>(
      "SELECT ticket_id, item_id, status FROM tickets WHERE booking_id = ? ORDER BY item_id", bookingId).toArray().map((t) => ({ ...t }));
  }

  /** The ticket as its holder's wallet shows it (the route checked the holder). */
  holderState(ticketId: string): RoomResult<TicketHolderState> {
    const t = this.sql.exec<{ status: string }>("SELECT status FROM tickets WHERE ticket_id = ?", ticketId).toArray()[0];
    if (!t) return refuse(404, "not_found", "No such ticket");
    const first = this.presence(ticketId)?.first;
    const status = t.status !== "valid" ? "void" : first ? "used" : "valid";
    return ok({ ticket_id: ticketId, status, version: this.issuer.currentVersion(ticketId), checked_in_at: first ? new Date(first.scannedAt).toISOString() : null });
  }

  reentry(): boolean {
    return this.meta.get("check_in_reentry") === "1";
  }

  setReentry(on: boolean): void {
    this.meta.set("check_in_reentry", on ? "1" : "0");
  }

  /** Whether holders may transfer this event's tickets: on unless the organizer switched it off. */
  transfers(): boolean {
    return this.meta.get("ticket_transfers") !== "0";
  }

  setTransfers(on: boolean): void {
    this.meta.set("ticket_transfers", on ? "1" : "0");
  }

  private presence(ticketId: string): Presence | undefined {
    const r = this.sql.exec<{ first_at: number; first_gate: string; first_nonce: string; inside: number; entries: number }>(
      "SELECT first_at, first_gate, first_nonce, inside, entries FROM check_ins WHERE ticket_id = ?", ticketId).toArray()[0];
    return r ? { first: { scannedAt: r.first_at, gateId: r.first_gate, nonce: r.first_nonce }, inside: r.inside === 1, entries: r.entries } : undefined;
  }

  private writePresence(ticketId: string, p: Presence): void {
    this.sql.exec(
      `INSERT INTO check_ins (ticket_id, first_at, first_gate, first_nonce, inside, entries) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (ticket_id) DO UPDATE SET inside = excluded.inside, entries = excluded.entries`,
      ticketId, p.first.scannedAt, p.first.gateId, p.first.nonce, p.inside ? 1 : 0, p.entries);
  }

  private known(ticketId: string): boolean {
    return this.sql.exec("SELECT 1 FROM tickets WHERE ticket_id = ?", ticketId).toArray().length > 0;
  }

  /** An online scan. Structural garbage is refused (nothing recorded); every other answer is a decision. */
  async scan(code: string, gateId: string, direction: "in" | "out", now: number): Promise<RoomResult<ScanAnswer>> {
    const ring = this.issuer.keyRing();
    if (!ring) return ok({ result: "invalid", reason: "unknown_key", ticket: null });
    const check = await verifyTicketCode(code, {
      now, keys: await ring, eventId: this.meta.eventId(), windowSeconds: CODE_WINDOW_SECONDS, skewSeconds: CLOCK_SKEW_SECONDS, cores: this.cores,
      revoked: (ticketId, version) => isRevoked(new Map([[ticketId, this.issuer.floor(ticketId)]]), ticketId, version),
    });
    if (!check.ok && check.result === "invalid" && check.reason !== "bad_issuer_signature" && check.reason !== "bad_device_signature") {
      return refuse(422, "invalid_code", `The code is not a ticket code (${check.reason})`);
    }
    if (!check.ok && (check.result === "invalid" || check.result === "unknown_key" || check.result === "wrong_event")) {
      return ok({ result: "invalid", reason: check.result === "invalid" ? check.reason : check.result, ticket: null });
    }
    const t = check.ticket;
    const ticket = { ticket_id: t.ticketId, label: t.label, version: t.version };
    if (!check.ok) return ok({ result: check.result, ...("reason" in check ? { reason: check.reason } : {}), ticket });
    // From here on, synchronous: the decision and its write cannot interleave with another scan.
    if (!this.known(t.ticketId) || isRevoked(new Map([[t.ticketId, this.issuer.floor(t.ticketId)]]), t.ticketId, t.version)) {
      return ok({ result: "revoked", ticket });
    }
    const before = this.presence(t.ticketId);
    const { decision, next } = decideOnlineScan(before, { scannedAt: now, gateId, nonce: crypto.randomUUID(), direction }, { reentry: this.reentry() });
    if (next) this.writePresence(t.ticketId, next);
    if (!before && next) this.records.announce({ type: "TicketCheckedIn", gate_id: gateId }, t.ticketId, `scan:${gateId}`);
    if (decision.result === "admitted") this.tally.entered(gateId, now, now);
    if (decision.result === "already_used") return ok({ result: "already_used", ticket, first_scan: firstScan(decision.first) });
    if (decision.result === "exited") return ok({ result: "exited", ticket });
    return ok({ result: "admitted", ticket, reentry: decision.reentry });
  }

  private recorded(gateId: string, nonce: string): RecordedScan | undefined {
    const r = this.sql.exec<{ scan: string; decision: string }>("SELECT scan, decision FROM gate_scans WHERE gate_id = ? AND nonce = ?", gateId, nonce).toArray()[0];
    return r ? { scan: JSON.parse(r.scan) as QueuedScan, decision: JSON.parse(r.decision) as SyncDecision } : undefined;
  }

  /** An offline gate's queue: idempotent by (gate, nonce); double entries come back as conflicts. */
  sync(scans: QueuedScan[], now: number): SyncAnswer[] {
    const answers = new Array<SyncAnswer>(scans.length);
    const knownScans: QueuedScan[] = [];
    const positions: number[] = [];
    scans.forEach((s, i) => {
      if (this.known(s.ticketId)) {
        knownScans.push(s);
        positions.push(i);
      } else answers[i] = { result: "rejected", reason: "unknown_ticket" };
    });
    const firstEntries = new Set(knownScans.filter((s) => !this.presence(s.ticketId)).map((s) => s.ticketId));
    const merged = mergeOfflineScans(knownScans, { presence: (id) => this.presence(id), recorded: (g, n) => this.recorded(g, n) }, { reentry: this.reentry() });
    for (const [ticketId, p] of merged.presence) {
      this.writePresence(ticketId, p);
      if (firstEntries.has(ticketId)) this.records.announce({ type: "TicketCheckedIn", gate_id: p.first.gateId }, ticketId, `sync:${p.first.gateId}`);
    }
    for (const r of merged.recorded) {
      this.sql.exec("INSERT INTO gate_scans (gate_id, nonce, ticket_id, scan, decision) VALUES (?, ?, ?, ?, ?)",
        r.scan.gateId, r.scan.nonce, r.scan.ticketId, JSON.stringify(r.scan), JSON.stringify(r.decision));
      // Only new scans are recorded (a replay is answered as before), so an entry counts once.
      if (r.decision.result === "admitted") this.tally.entered(r.scan.gateId, r.scan.scannedAt, now);
    }
    merged.decisions.forEach((d, k) => {
      answers[positions[k] ?? 0] = d;
    });
    return answers;
  }

  stats(now: number): CheckInStats {
    const count = (q: string) => this.sql.exec<{ n: number }>(q).one().n;
    const opened = this.sql.exec<{ t: number | null }>("SELECT MIN(first_at) AS t FROM check_ins").one().t;
    const notIn = () => count("SELECT COUNT(*) AS n FROM tickets t WHERE status = 'valid' AND NOT EXISTS (SELECT 1 FROM check_ins c WHERE c.ticket_id = t.ticket_id)");
    return {
      doors_opened_at: opened === null ? null : new Date(opened).toISOString(),
      no_shows: opened === null ? null : notIn(),
      gates: this.tally.byGate(now),
      tickets: count("SELECT COUNT(*) AS n FROM tickets WHERE status = 'valid'"),
      admitted: count("SELECT COUNT(*) AS n FROM check_ins"),
      inside: count("SELECT COUNT(*) AS n FROM check_ins WHERE inside = 1"),
      conflicts: count("SELECT COUNT(*) AS n FROM gate_scans WHERE json_extract(decision, '$.result') = 'conflict'"),
      scans: count("SELECT COUNT(*) AS n FROM gate_scans"),
      reentry: this.reentry(),
    };
  }

  /** Nothing timed: codes rotate on the fan's phone, not here. */
  tick(): null {
    return null;
  }
}
