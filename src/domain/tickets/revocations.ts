/**
 * Revocation rule: the list holds, per ticket, the lowest core version still valid. A core is
 * revoked when its version is below that floor; ALL_VERSIONS revokes the ticket outright (refund,
 * cancellation, event cancelled). Replacing a core (rebinding, transfer) raises the floor to the
 * new version, so one entry per ticket kills every older core however many there were, merging
 * is a max (order-free and idempotent: a gate may apply deltas twice or out of order), and a
 * revoked core can never come back.
 */
export const ALL_VERSIONS = 0xffffffff;

/** ticket id → lowest valid core version. */
export type RevocationFloors = Map<string, number>;

export interface Revocation { ticketId: string; minVersion: number }

export function raiseFloor(floors: RevocationFloors, r: Revocation): void {
  const current = floors.get(r.ticketId) ?? 0;
  if (r.minVersion > current) floors.set(r.ticketId, r.minVersion);
}

export function isRevoked(floors: ReadonlyMap<string, number>, ticketId: string, version: number): boolean {
  return version < (floors.get(ticketId) ?? 0);
}

/** The floor that retires every core before `newVersion` (rebinding, transfer). */
export function supersede(ticketId: string, newVersion: number): Revocation {
  return { ticketId, minVersion: newVersion };
}

/** The floor that admits no core of the ticket again (refund, cancellation). */
export function revokeTicket(ticketId: string): Revocation {
  return { ticketId, minVersion: ALL_VERSIONS };
}
