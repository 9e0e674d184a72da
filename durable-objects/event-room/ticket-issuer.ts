/**
 * The room as the issuer of its tickets' cores (docs/tickets.md): the event signing key, made once
 * and kept here (only public halves leave), the holder secret, device binding (sign a core for a
 * phone's public key; a rebind supersedes every older core), and the change log gates follow:
 * tickets added and revocation floors raised, by cursor, as manifest and delta.
 */
import { fromBase64Url } from "../../src/domain/tickets/bytes";
import { generateHolderSecret, holderRef, nextCoreVersion, signTicketCore, encodeSignedCore } from "../../src/domain/tickets/issue";
import {
  compressDeviceKey, generateEventSigningKey, importIssuerKeys, importSigner, issuerPrivateJwk, issuerPublicJwk,
  type IssuerKeyRing, type IssuerPublicJwk, type IssuerSigner,
} from "../../src/domain/tickets/keys";
import { buildDelta, buildManifest, type DeltaJson, type ManifestJson } from "../../src/domain/tickets/manifest";
import { MAX_LABEL_BYTES, type SignedCore } from "../../src/domain/tickets/core";
import { revokeTicket, supersede, type Revocation } from "../../src/domain/tickets/revocations";
import { ok, refuse, type RoomResult } from "./contract";
import type { RoomMeta } from "./meta";
import type { SaleTermsStore } from "./sale-terms";

const DAY_MS = 86_400_000;
/** Without known event terms a core is valid this long after binding. */
const DEFAULT_VALIDITY_MS = 365 * DAY_MS;
/** A core stays valid this long after the event starts (doors, late arrivals). */
const AFTER_START_MS = DAY_MS;

export interface BoundCore { ticket_id: string; version: number; core: string; kid: string; valid_from: string; valid_until: string }

/** The longest prefix of `label` that fits the core's label field, cut on a character boundary. */
function fitLabel(label: string): string {
  const enc = new TextEncoder();
  let out = "";
  for (const ch of label) {
    if (enc.encode(out + ch).length > MAX_LABEL_BYTES) break;
    out += ch;
  }
  return out;
}

export class TicketIssuer {
  private signer: Promise<IssuerSigner> | null = null;
  private ring: { kids: string; ring: Promise<IssuerKeyRing> } | null = null;

  constructor(private readonly deps: { sql: SqlStorage; meta: RoomMeta; terms: SaleTermsStore; bindsPerDay: () => number }) {}

  private get sql(): SqlStorage {
    return this.deps.sql;
  }

  // ------------------------------------------------------------ keys

  publicKeys(): IssuerPublicJwk[] {
    return this.sql.exec<{ public_jwk: string }>("SELECT public_jwk FROM ticket_keys ORDER BY created_at").toArray()
      .map((r) => issuerPublicJwk.parse(JSON.parse(r.public_jwk)));
  }

  /** The event's signing key, generated on first use. Two first uses racing keep the one stored first. */
  private async currentSigner(): Promise<IssuerSigner> {
    const stored = () => this.sql.exec<{ private_jwk: string }>("SELECT private_jwk FROM ticket_keys ORDER BY created_at DESC LIMIT 1").toArray()[0];
    if (!stored()) {
      const key = await generateEventSigningKey(this.publicKeys().map((k) => k.kid));
      if (!stored()) {
        this.sql.exec("INSERT INTO ticket_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)",
          key.kid, JSON.stringify(key.privateJwk), JSON.stringify(key.publicJwk), Date.now());
      }
    }
    const row = stored();
    if (!row) throw new Error("ticket signing key missing after creation");
    this.signer ??= importSigner(issuerPrivateJwk.parse(JSON.parse(row.private_jwk)));
    return this.signer;
  }

  /** The verifier's key ring, imported once per key list. Null before any core was signed. */
  keyRing(): Promise<IssuerKeyRing> | null {
    const keys = this.publicKeys();
    if (keys.length === 0) return null;
    const kids = keys.map((k) => k.kid).join(",");
    if (this.ring?.kids !== kids) this.ring = { kids, ring: importIssuerKeys(keys) };
    return this.ring.ring;
  }

  private holderSecret(): string {
    const known = this.deps.meta.get("ticket_holder_secret");
    if (known) return known;
    const fresh = generateHolderSecret();
    this.deps.meta.set("ticket_holder_secret", fresh);
    return fresh;
  }

  // ------------------------------------------------------------ the change log (floors and additions)

  /** A ticket was issued: gates following deltas learn its id. Inside the issuing transaction. */
  added(ticketId: string): void {
    this.sql.exec("INSERT INTO ticket_changes (ticket_id, min_version) VALUES (?, NULL)", ticketId);
  }

  raise(r: Revocation): void {
    if (r.minVersion <= this.floor(r.ticketId)) return;
    this.sql.exec("INSERT INTO ticket_changes (ticket_id, min_version) VALUES (?, ?)", r.ticketId, r.minVersion);
  }

  /** Refund, cancellation: no core of the ticket admits again. */
  revoke(ticketId: string): void {
    this.raise(revokeTicket(ticketId));
  }

  /**
   * The ticket changed hands: every core signed so far (and any being signed: its version is
   * reserved before the signing awaits) stops admitting. Returns the new floor, the version the
   * next holder's first binding gets.
   */
  retireCores(ticketId: string): number {
    const current = this.sql.exec<{ v: number | null }>("SELECT MAX(version) AS v FROM ticket_cores WHERE ticket_id = ?", ticketId).one().v ?? 0;
    const floor = Math.max(nextCoreVersion(current), this.floor(ticketId));
    this.raise(supersede(ticketId, floor));
    return floor;
  }

  floor(ticketId: string): number {
    return this.sql.exec<{ f: number | null }>("SELECT MAX(min_version) AS f FROM ticket_changes WHERE ticket_id = ?", ticketId).one().f ?? 0;
  }

  private cursor(): number {
    return this.sql.exec<{ c: number | null }>("SELECT MAX(seq) AS c FROM ticket_changes").one().c ?? 0;
  }

  private floorsAfter(from: number): Revocation[] {
    return this.sql.exec<{ ticket_id: string; f: number }>(
      "SELECT ticket_id, MAX(min_version) AS f FROM ticket_changes WHERE seq > ? AND min_version IS NOT NULL GROUP BY ticket_id", from)
      .toArray().map((r) => ({ ticketId: r.ticket_id, minVersion: r.f }));
  }

  manifest(now: number): RoomResult<ManifestJson> {
    const keys = this.publicKeys();
    if (keys.length === 0) return refuse(409, "no_signing_key", "No ticket of this event has been opened yet: there is nothing to verify");
    const ticketIds = this.sql.exec<{ ticket_id: string }>("SELECT ticket_id FROM tickets").toArray().map((r) => r.ticket_id);
    return ok(buildManifest({ eventId: this.deps.meta.eventId(), generatedAt: new Date(now), cursor: this.cursor(), keys, ticketIds, revocations: this.floorsAfter(0) }));
  }

  delta(from: number): RoomResult<DeltaJson> {
    const to = this.cursor();
    if (from > to) return refuse(409, "cursor_ahead", `Cursor ${from} is beyond this event's latest change (${to}): download a new manifest`);
    const added = this.sql.exec<{ ticket_id: string }>("SELECT DISTINCT ticket_id FROM ticket_changes WHERE seq > ? AND min_version IS NULL", from)
      .toArray().map((r) => r.ticket_id);
    return ok(buildDelta({ eventId: this.deps.meta.eventId(), from, to, revocations: this.floorsAfter(from), added }));
  }

  // ------------------------------------------------------------ binding a phone

  /** The newest core's version (0 before the first bind): a phone holding an older one was replaced. */
  currentVersion(ticketId: string): number {
    return this.sql.exec<{ v: number | null }>("SELECT MAX(version) AS v FROM ticket_cores WHERE ticket_id = ?", ticketId).one().v ?? 0;
  }

  /**
   * Signs a core naming this phone's key for the ticket's holder. The version is taken after every
   * await, in one synchronous step, so two binds racing get distinct versions and the floor ends at
   * the newer one: at most one core of a ticket is ever valid.
   */
  /** Whether these bytes are exactly a core this room signed (its stored copy): authentic without a signature check. */
  issued(s: SignedCore): boolean {
    const row = this.sql.exec<{ core: string | null }>("SELECT core FROM ticket_cores WHERE ticket_id = ? AND version = ?", s.core.ticketId, s.core.version).toArray()[0];
    return typeof row?.core === "string" && row.core === encodeSignedCore(s.signed);
  }

  async bind(ticketId: string, accountId: string, publicKey: string, now: number): Promise<RoomResult<BoundCore>> {
    const raw = fromBase64Url(publicKey);
    const device = raw ? await compressDeviceKey(raw) : null;
    if (!device) return refuse(422, "invalid_device_key", "public_key must be a P-256 public key (raw, base64url)");
    const signer = await this.currentSigner();
    const ref = await holderRef(this.holderSecret(), this.deps.meta.eventId(), accountId);
    // The holder as this room knows it now: a ticket transferred a moment ago binds for its new holder only.
    const ticket = this.sql.exec<{ item_id: string; status: string; holder: string }>(
      "SELECT t.item_id, t.status, COALESCE(t.holder_id, b.user_id) AS holder FROM tickets t JOIN bookings b ON b.booking_id = t.booking_id WHERE t.ticket_id = ?",
      ticketId).toArray()[0];
    if (!ticket || ticket.holder !== accountId) return refuse(404, "not_found", "No such ticket");
    if (ticket.status !== "valid") return refuse(409, "ticket_revoked", "This ticket was refunded or cancelled");
    const binds = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM ticket_binds WHERE ticket_id = ? AND bound_at > ?", ticketId, now - DAY_MS).one().n;
    const limit = this.deps.bindsPerDay();
    if (binds >= limit) return refuse(409, "rebind_limit", `A ticket can be moved to a new phone ${limit} times a day`, undefined, { limit });
    const version = nextCoreVersion(this.currentVersion(ticketId));
    this.sql.exec("INSERT INTO ticket_cores (ticket_id, version, device_key, core, bound_at) VALUES (?, ?, ?, NULL, ?)", ticketId, version, publicKey, now);
    this.sql.exec("INSERT INTO ticket_binds (ticket_id, bound_at) VALUES (?, ?)", ticketId, now);
    this.raise(supersede(ticketId, version));
    const terms = this.deps.terms.current();
    const until = terms ? Date.parse(terms.rescheduledAt ?? terms.startsAt) + AFTER_START_MS : now + DEFAULT_VALIDITY_MS;
    const validFrom = Math.floor(Math.min(now, until) / 1000);
    const validUntil = Math.floor(until / 1000);
    const signed = await signTicketCore({
      eventId: this.deps.meta.eventId(), ticketId, version, holderRef: ref, validFrom, validUntil, deviceKey: device, label: fitLabel(ticket.item_id),
    }, signer);
    const core = encodeSignedCore(signed);
    this.sql.exec("UPDATE ticket_cores SET core = ? WHERE ticket_id = ? AND version = ?", core, ticketId, version);
    return ok({
      ticket_id: ticketId, version, core, kid: signer.kid,
      valid_from: new Date(validFrom * 1000).toISOString(), valid_until: new Date(validUntil * 1000).toISOString(),
    });
  }
}
