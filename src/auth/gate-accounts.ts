/**
 * Gate accounts in Postgres: a `gate` user bound to one event (gate_accounts), made by the event's
 * organizer. The rules that must hold under concurrency, and how:
 * - at most `cap` enabled accounts per event: creations of one event are serialized by a lock on
 *   the event's row, counted and inserted under it;
 * - no session outlives a disable: login takes a share lock on the account row while it checks
 *   the account is enabled and creates the session; disabling updates that row (so it waits for
 *   such a login to commit, and later logins see it disabled), then revokes every session of the
 *   account in the same transaction (the sessions module's lock order: no token minted after).
 */
import { and, asc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { events, gateAccounts, sessions, users } from "../db/schema";
import { createSessionIn, revokeInTx, type SessionClock } from "./sessions";

export type GateAccountRow = typeof gateAccounts.$inferSelect & { login: string };

/** Disabled accounts are kept (an audit of who staffed the gates); this many per enabled slot at most. */
export const KEPT_PER_SLOT = 5;

export interface NewGateAccount { eventId: string; label: string; createdBy: string; login: string; passwordHash: string; cap: number }
export type CreateResult = { ok: true; account: GateAccountRow } | { ok: false; reason: "cap_reached" | "event_gone" };

export async function createGateAccount(db: Db, a: NewGateAccount): Promise<CreateResult> {
  return db.transaction(async (tx): Promise<CreateResult> => {
    const [event] = await tx.select({ id: events.eventId }).from(events).where(eq(events.eventId, a.eventId)).for("update");
    if (!event) return { ok: false, reason: "event_gone" };
    const [n] = await tx.select({
      enabled: sql<number>`count(*) FILTER (WHERE ${gateAccounts.disabledAt} IS NULL)::int`,
      all: sql<number>`count(*)::int`,
    }).from(gateAccounts).where(eq(gateAccounts.eventId, a.eventId));
    if ((n?.enabled ?? 0) >= a.cap || (n?.all ?? 0) >= a.cap * KEPT_PER_SLOT) return { ok: false, reason: "cap_reached" };
    const [user] = await tx.insert(users).values({ email: a.login, passwordHash: a.passwordHash, name: a.label, role: "gate" }).returning({ userId: users.userId });
    if (!user) throw new Error("gate account user not inserted");
    const [row] = await tx.insert(gateAccounts).values({ accountId: user.userId, eventId: a.eventId, label: a.label, createdBy: a.createdBy }).returning();
    if (!row) throw new Error("gate account not inserted");
    return { ok: true, account: { ...row, login: a.login } };
  });
}

const withLogin = { accountId: gateAccounts.accountId, eventId: gateAccounts.eventId, label: gateAccounts.label, createdBy: gateAccounts.createdBy,
  createdAt: gateAccounts.createdAt, disabledAt: gateAccounts.disabledAt, login: users.email };

/** The event's accounts, oldest first (at most `limit`). */
export async function listGateAccounts(db: Db, eventId: string, limit: number): Promise<GateAccountRow[]> {
  return db.select(withLogin).from(gateAccounts).innerJoin(users, eq(users.userId, gateAccounts.accountId))
    .where(eq(gateAccounts.eventId, eventId)).orderBy(asc(gateAccounts.createdAt), asc(gateAccounts.accountId)).limit(limit);
}

/**
 * Disables the account (idempotent) and revokes its sessions; null if the event has no such
 * account. Returns the sessions the edge must hear of: those revoked within `edgeWindowMs` (a
 * repeated disable re-sends them, mending an edge write that failed the first time).
 */
export async function disableGateAccount(db: Db, eventId: string, accountId: string, now: Date, edgeWindowMs: number): Promise<{ account: GateAccountRow; sessionIds: string[] } | null> {
  return db.transaction(async (tx) => {
    await tx.update(gateAccounts).set({ disabledAt: now })
      .where(and(eq(gateAccounts.accountId, accountId), eq(gateAccounts.eventId, eventId), isNull(gateAccounts.disabledAt)));
    const [account] = await tx.select(withLogin).from(gateAccounts).innerJoin(users, eq(users.userId, gateAccounts.accountId))
      .where(and(eq(gateAccounts.accountId, accountId), eq(gateAccounts.eventId, eventId)));
    if (!account) return null;
    const live = await tx.select({ sessionId: sessions.sessionId }).from(sessions).where(and(eq(sessions.userId, accountId), isNull(sessions.revokedAt)));
    for (const s of live) await revokeInTx(tx, s.sessionId, accountId, "gate_account_disabled", now);
    const recent = await tx.select({ sessionId: sessions.sessionId }).from(sessions)
      .where(and(eq(sessions.userId, accountId), or(isNull(sessions.revokedAt), gt(sessions.revokedAt, new Date(now.getTime() - edgeWindowMs)))));
    return { account, sessionIds: recent.map((s) => s.sessionId) };
  });
}

/** A session for an enabled gate account, with the event it staffs; null if the account is disabled (or not one). */
export async function startGateSession(db: Db, accountId: string, clock: SessionClock): Promise<{ sessionId: string; refreshToken: string; eventId: string } | null> {
  return db.transaction(async (tx) => {
    const [account] = await tx.select({ eventId: gateAccounts.eventId }).from(gateAccounts)
      .where(and(eq(gateAccounts.accountId, accountId), isNull(gateAccounts.disabledAt))).for("share");
    if (!account) return null;
    return { ...(await createSessionIn(tx, accountId, clock)), eventId: account.eventId };
  });
}

/** The event an enabled gate account staffs, or null. */
export async function gateEventOf(db: Db, accountId: string): Promise<string | null> {
  const [account] = await db.select({ eventId: gateAccounts.eventId }).from(gateAccounts)
    .where(and(eq(gateAccounts.accountId, accountId), isNull(gateAccounts.disabledAt)));
  return account?.eventId ?? null;
}
