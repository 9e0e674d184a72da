/**
 * The room's outbox: a change and the message announcing it commit in one storage transaction
 * (`emit`, called inside it); the alarm then sends pending messages to Postgres, where they are
 * recorded and applied idempotently by message id (src/pipeline/projection.ts). A crash between
 * Postgres's commit and the acknowledgement here, or Postgres being down, is a retry that converges.
 */
import { describeError } from "../../src/describe-error";
import { openDb, type Db } from "../../src/db/client";
import type { Logger } from "../../src/log";
import { makeMessage, type MessageType, type PayloadInput } from "../../src/pipeline/catalogue";
import { outboxMessageSchema } from "../../src/pipeline/envelope";
import { recordMessages } from "../../src/pipeline/projection";
import type { TimedPart } from "./timers";

/** How soon after a change the outbox is flushed: small, so bursts share one Postgres round. */
const FLUSH_DELAY_MS = 25;
/**
 * Messages per Postgres round trip. A batch is one statement (record_outbox_messages), so bigger
 * batches drain a backlog in fewer round trips; 2,000 messages are ~1.5 MB of JSON, applied
 * server-side in tens of milliseconds, well inside a statement's and an alarm's limits.
 */
const FLUSH_BATCH = 2000;
const MAX_BACKOFF_MS = 30_000;
/** Sent outbox rows are kept this long for inspection, then deleted. */
const OUTBOX_RETENTION_MS = 60 * 60 * 1000;

export interface OutboxDeps {
  sql: SqlStorage;
  /** Postgres, or null when the room keeps its outbox to itself (unit tests). */
  database: { url: string; proxy: string | undefined } | null;
  waitUntil(p: Promise<unknown>): void;
  wake(at: number): void;
  /** Something changed: the live feed has news. */
  changed(): void;
  /** The alarm's logger (the flush runs there). */
  alarmLog(): Logger;
}

export class RoomOutbox implements TimedPart {
  readonly name = "outbox";
  private failures = 0;

  constructor(private readonly deps: OutboxDeps) {}

  /** Appends a message (checked against the catalogue); call inside the transaction that makes the change. Returns its id. */
  emit<T extends MessageType>(type: T, key: string, data: PayloadInput<T>, correlationId: string, causationId: string | null = null): string {
    const message = makeMessage(type, key, data, { correlationId, causationId });
    this.deps.sql.exec("INSERT INTO outbox (message) VALUES (?)", JSON.stringify(message));
    this.deps.changed();
    if (this.deps.database) this.deps.wake(Date.now() + FLUSH_DELAY_MS);
    return message.envelope.event_id;
  }

  pending(): number {
    return this.deps.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL").one().n;
  }

  /** Sends everything pending; on failure, backs off. Returns when to try again (null: nothing left). */
  async tick(now: number): Promise<number | null> {
    if (!this.deps.database) return null;
    this.deps.sql.exec("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", now - OUTBOX_RETENTION_MS);
    if (this.pending() === 0) return null;
    let retryIn: number | null = null;
    // One connection for the whole drain: a batch is one statement, a new connection is several round trips.
    const { db, pool } = openDb(this.deps.database.url, this.deps.database.proxy, 1);
    try {
      while (await this.flushBatch(db)) { /* drain */ }
      this.failures = 0;
    } catch (e) {
      this.failures++;
      retryIn = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.failures);
      this.deps.alarmLog().warn("outbox flush failed", { failures: this.failures, retry_in_ms: retryIn, error: describeError(e) });
    } finally {
      this.deps.waitUntil(pool.end().catch(() => undefined));
    }
    if (retryIn !== null) return Date.now() + retryIn;
    return this.pending() > 0 ? Date.now() + FLUSH_DELAY_MS : null;
  }

  /** Sends one batch of pending rows to Postgres; true if there may be more. */
  private async flushBatch(db: Db): Promise<boolean> {
    const rows = this.deps.sql.exec<{ seq: number; message: string }>("SELECT seq, message FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?", FLUSH_BATCH).toArray();
    const last = rows[rows.length - 1];
    if (!last) return false;
    await recordMessages(db, rows.map((r) => outboxMessageSchema.parse(JSON.parse(r.message))), this.deps.alarmLog());
    // Only the rows that were sent: new ones may have been appended while we awaited.
    this.deps.sql.exec("UPDATE outbox SET sent_at = ? WHERE sent_at IS NULL AND seq <= ?", Date.now(), last.seq);
    return rows.length === FLUSH_BATCH;
  }
}
