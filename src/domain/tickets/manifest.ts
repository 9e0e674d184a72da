/**
 * What an offline gate downloads (pure encoding): the event's public keys, the event's ticket ids
 * as a sorted array of 8-byte prefixes (a 50,000-ticket event is 400 kB, 533 kB as base64url), and
 * the revocation floors (16-byte id ‖ u32 floor, 20 bytes each). Then revocation deltas by cursor:
 * the changes since the gate's cursor, same packing (100 revocations ≈ 2.7 kB of JSON).
 * No personal data: ids, versions and public keys only; names and seats travel inside the
 * signed codes themselves, so the gate needs no attendee records (nothing to leak from a lost one).
 */
import { z } from "zod";
import { bytesToUuid, compareBytes, equalBytes, fromBase64Url, isUuid, readU32, toBase64Url, u32, uuidToBytes, type Bytes } from "./bytes";
import { issuerPublicJwk, MAX_ISSUER_KEYS, type IssuerPublicJwk } from "./keys";
import { isRevoked, raiseFloor, type Revocation, type RevocationFloors } from "./revocations";

export const MANIFEST_FORMAT = "tp-manifest-1";
export const DELTA_FORMAT = "tp-delta-1";
/** Prefix of a ticket id kept in the set: a random id matches one of 10^5 prefixes with probability ~2^-47; the signature does the real work. */
export const TICKET_PREFIX_BYTES = 8;
const REVOCATION_BYTES = 20;
/** Bounds for what a gate accepts (a stadium is 10^5 tickets). */
export const MAX_MANIFEST_TICKETS = 200_000;
export const MAX_DELTA_ENTRIES = 50_000;

const packed = (unit: number, max: number) =>
  z.string().max(Math.ceil((unit * max * 4) / 3)).transform((s, ctx) => {
    const b = fromBase64Url(s);
    if (!b || b.length % unit !== 0) {
      ctx.addIssue({ code: "custom", message: `base64url of ${unit}-byte records` });
      return z.NEVER;
    }
    return b;
  });

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  event_id: z.uuid(),
  generated_at: z.iso.datetime(),
  /** Revocations up to and including this change are in it; deltas continue from here. */
  cursor: z.number().int().nonnegative(),
  keys: z.array(issuerPublicJwk).min(1).max(MAX_ISSUER_KEYS),
  ticket_count: z.number().int().nonnegative().max(MAX_MANIFEST_TICKETS),
  ticket_prefixes: packed(TICKET_PREFIX_BYTES, MAX_MANIFEST_TICKETS),
  revocations: packed(REVOCATION_BYTES, MAX_DELTA_ENTRIES),
});
export type ManifestJson = z.input<typeof manifestSchema>;

export const deltaSchema = z.strictObject({
  format: z.literal(DELTA_FORMAT),
  event_id: z.uuid(),
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
  revocations: packed(REVOCATION_BYTES, MAX_DELTA_ENTRIES),
  /** Tickets sold since `from` (their 8-byte prefixes), so a gate keeps up without a new manifest. */
  added: packed(TICKET_PREFIX_BYTES, MAX_DELTA_ENTRIES),
});
export type DeltaJson = z.input<typeof deltaSchema>;

export function ticketPrefix(ticketId: string): Bytes {
  return uuidToBytes(ticketId).slice(0, TICKET_PREFIX_BYTES);
}

function packPrefixes(ticketIds: readonly string[]): Bytes {
  const sorted = ticketIds.map(ticketPrefix).sort(compareBytes);
  const out = new Uint8Array(sorted.length * TICKET_PREFIX_BYTES);
  sorted.forEach((p, i) => out.set(p, i * TICKET_PREFIX_BYTES));
  return out;
}

function packRevocations(rs: readonly Revocation[]): Bytes {
  const out = new Uint8Array(rs.length * REVOCATION_BYTES);
  rs.forEach((r, i) => {
    out.set(uuidToBytes(r.ticketId), i * REVOCATION_BYTES);
    out.set(u32(r.minVersion), i * REVOCATION_BYTES + 16);
  });
  return out;
}

function unpackRevocations(b: Bytes): Revocation[] {
  const out: Revocation[] = [];
  for (let at = 0; at < b.length; at += REVOCATION_BYTES) out.push({ ticketId: bytesToUuid(b.subarray(at, at + 16)), minVersion: readU32(b, at + 16) });
  return out;
}

export interface ManifestInput {
  eventId: string;
  generatedAt: Date;
  cursor: number;
  keys: readonly IssuerPublicJwk[];
  ticketIds: readonly string[];
  revocations: readonly Revocation[];
}

export function buildManifest(m: ManifestInput): ManifestJson {
  if (!isUuid(m.eventId)) throw new Error("event id must be a UUID");
  return {
    format: MANIFEST_FORMAT, event_id: m.eventId, generated_at: m.generatedAt.toISOString(), cursor: m.cursor, keys: [...m.keys],
    ticket_count: m.ticketIds.length, ticket_prefixes: toBase64Url(packPrefixes(m.ticketIds)), revocations: toBase64Url(packRevocations(m.revocations)),
  };
}

export interface DeltaInput { eventId: string; from: number; to: number; revocations: readonly Revocation[]; added: readonly string[] }

export function buildDelta(d: DeltaInput): DeltaJson {
  if (d.to < d.from) throw new Error("delta must not go backwards");
  return {
    format: DELTA_FORMAT, event_id: d.eventId, from: d.from, to: d.to,
    revocations: toBase64Url(packRevocations(d.revocations)), added: toBase64Url(packPrefixes(d.added)),
  };
}

/** The gate's state: everything it needs to decide offline. */
export interface GateState {
  eventId: string;
  cursor: number;
  keys: IssuerPublicJwk[];
  /** Sorted 8-byte prefixes, concatenated. */
  prefixes: Bytes;
  floors: RevocationFloors;
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; problem: string };

export function readManifest(json: unknown): ReadResult<GateState> {
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: parsed.error.issues[0]?.message ?? "malformed manifest" };
  const m = parsed.data;
  if (m.ticket_prefixes.length !== m.ticket_count * TICKET_PREFIX_BYTES) return { ok: false, problem: "ticket_count does not match ticket_prefixes" };
  if (!isSorted(m.ticket_prefixes)) return { ok: false, problem: "ticket_prefixes must be sorted" };
  const floors: RevocationFloors = new Map();
  for (const r of unpackRevocations(m.revocations)) raiseFloor(floors, r);
  return { ok: true, value: { eventId: m.event_id, cursor: m.cursor, keys: m.keys, prefixes: m.ticket_prefixes, floors } };
}

/**
 * The state after a delta. Floors only rise, so a delta overlapping what the gate has is safe; one
 * that starts after the gate's cursor would leave a hole, and is refused (download a manifest).
 */
export function applyDelta(state: GateState, json: unknown): ReadResult<GateState> {
  const parsed = deltaSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: parsed.error.issues[0]?.message ?? "malformed delta" };
  const d = parsed.data;
  if (d.event_id !== state.eventId) return { ok: false, problem: "delta of another event" };
  if (d.from > state.cursor) return { ok: false, problem: `gap: delta starts at ${d.from}, gate is at ${state.cursor}` };
  if (d.to < d.from) return { ok: false, problem: "delta goes backwards" };
  const floors: RevocationFloors = new Map(state.floors);
  for (const r of unpackRevocations(d.revocations)) raiseFloor(floors, r);
  return { ok: true, value: { ...state, cursor: Math.max(state.cursor, d.to), floors, prefixes: mergePrefixes(state.prefixes, d.added) } };
}

/** The binary search relies on it; a manifest that breaks it is refused, not half-used. */
function isSorted(prefixes: Bytes): boolean {
  for (let at = TICKET_PREFIX_BYTES; at < prefixes.length; at += TICKET_PREFIX_BYTES) {
    if (compareBytes(prefixes.subarray(at - TICKET_PREFIX_BYTES, at), prefixes.subarray(at, at + TICKET_PREFIX_BYTES)) > 0) return false;
  }
  return true;
}

function prefixesOf(b: Bytes): Bytes[] {
  const out: Bytes[] = [];
  for (let at = 0; at < b.length; at += TICKET_PREFIX_BYTES) out.push(b.slice(at, at + TICKET_PREFIX_BYTES));
  return out;
}

function mergePrefixes(a: Bytes, added: Bytes): Bytes {
  if (added.length === 0) return a;
  const all = [...prefixesOf(a), ...prefixesOf(added)].sort(compareBytes);
  const unique = all.filter((p, i) => i === 0 || !equalBytes(p, all[i - 1] ?? new Uint8Array()));
  const out = new Uint8Array(unique.length * TICKET_PREFIX_BYTES);
  unique.forEach((p, i) => out.set(p, i * TICKET_PREFIX_BYTES));
  return out;
}

/** Binary search over the sorted prefixes. */
export function manifestHasTicket(state: Pick<GateState, "prefixes">, ticketId: string): boolean {
  if (!isUuid(ticketId)) return false;
  const want = ticketPrefix(ticketId);
  let lo = 0;
  let hi = state.prefixes.length / TICKET_PREFIX_BYTES - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareBytes(state.prefixes.subarray(mid * TICKET_PREFIX_BYTES, (mid + 1) * TICKET_PREFIX_BYTES), want);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The verifier's `revoked` for an offline gate: a revoked core, or a ticket the event never sold. */
export function gateRevoked(state: GateState): (ticketId: string, version: number) => boolean {
  return (ticketId, version) => !manifestHasTicket(state, ticketId) || isRevoked(state.floors, ticketId, version);
}
