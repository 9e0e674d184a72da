import { asc, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../src/db/client";
import { outbox } from "../src/db/schema";
import { envelopeSchema, type Envelope } from "../src/pipeline/envelope";

/** Where relayed rows go: the Kafka producer, or (embedded default) the consumers in-process. */
export interface Sink {
  /** Returns once the rows are delivered (acknowledged by Kafka, or consumed); then the relay marks them sent. */
  publish(rows: { topic: string; key: string; envelope: Envelope }[]): Promise<void>;
}

/** One lease for all relays: pg_try_advisory_xact_lock is held until the batch's transaction ends. */
const LEASE = 7_310_001;

/**
 * Moves one batch of unpublished outbox rows, in outbox order, to the sink and marks them sent,
 * all inside one transaction that holds the relay lease. Several relays may run: the one without
 * the lease does nothing this round, so no row is published twice by two relays, and rows of
 * one aggregate stay in order. A crash after publishing and before the commit republishes the
 * batch (at-least-once); consumers dedupe by event id.
 */
export async function relayOnce(db: Db, sink: Sink, batch = 500): Promise<{ published: number; leased: boolean }> {
  return db.transaction(async (tx) => {
    const lock = await tx.execute<{ locked: boolean }>(sql`SELECT pg_try_advisory_xact_lock(${LEASE}) AS locked`);
    if (!lock.rows[0]?.locked) return { published: 0, leased: false };
    const rows = await tx.select().from(outbox).where(isNull(outbox.publishedAt)).orderBy(asc(outbox.seq)).limit(batch);
    if (!rows.length) return { published: 0, leased: true };
    await sink.publish(rows.map((r) => ({ topic: r.topic, key: r.aggregateId, envelope: envelopeSchema.parse(r.envelope) })));
    await tx.update(outbox).set({ publishedAt: new Date() }).where(inArray(outbox.seq, rows.map((r) => r.seq)));
    return { published: rows.length, leased: true };
  });
}

/** How far the relay trails: unpublished rows and the age of the oldest. */
export async function relayLag(db: Db): Promise<{ pending: number; oldest_age_ms: number }> {
  const r = await db.execute<{ pending: number; oldest: string | null }>(
    sql`SELECT count(*)::int AS pending, min(created_at) AS oldest FROM outbox WHERE published_at IS NULL`);
  const row = r.rows[0];
  return { pending: row?.pending ?? 0, oldest_age_ms: row?.oldest ? Date.now() - new Date(row.oldest).getTime() : 0 };
}

/**
 * Relays until `signal` aborts: immediately again after a full batch, after `idleMs` when there
 * was nothing, with backoff when Postgres or the sink fails (the batch is simply retried).
 */
export async function runRelay(db: Db, sink: Sink, opts: { signal: AbortSignal; idleMs?: number; onError?: (e: unknown) => void }): Promise<void> {
  let failures = 0;
  while (!opts.signal.aborted) {
    let wait = opts.idleMs ?? 100;
    try {
      const r = await relayOnce(db, sink);
      failures = 0;
      if (r.published > 0) wait = 0;
    } catch (e) {
      failures++;
      opts.onError?.(e);
      wait = Math.min(10_000, 100 * 2 ** failures);
    }
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
