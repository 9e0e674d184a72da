/**
 * Provider calls that must eventually happen: cancel the intent of a hold that ended unpaid,
 * refund money the room cannot keep. Queued inside the transaction that decides them; run by the
 * alarm outside any transaction (they are idempotent at the provider) and retried with backoff
 * until they succeed: a partial failure is delayed, never dropped.
 */
import { describeError, formatError } from "../../src/describe-error";
import type { Logger } from "../../src/log";
import type { PaymentProvider } from "../../src/payments/provider";
import type { TimedPart } from "./timers";

export type TaskKind = "cancel_intent" | "refund";
interface TaskRow extends Record<string, SqlStorageValue> { id: number; kind: string; booking_id: string; intent_id: string; reason: string; attempts: number }

const BATCH = 25;
const backoffMs = (attempts: number) => Math.min(5 * 60_000, 500 * 2 ** attempts);
/** A refund's task ends when charge.refunded arrives; until then it is asked again now and then (idempotent per intent). */
const REFUND_RECHECK_MS = 10 * 60_000;

export interface TaskDeps {
  sql: SqlStorage;
  /** Resolved when a task runs: a deployment without a provider retries its tasks, not its whole alarm. */
  provider(): PaymentProvider;
  wake(at: number): void;
  /** The alarm's logger (tasks run there). */
  alarmLog(): Logger;
}

export class ProviderTasks implements TimedPart {
  readonly name = "provider_tasks";

  constructor(private readonly deps: TaskDeps) {}

  /** Queues a call once per (kind, intent); call inside the deciding transaction. */
  queue(kind: TaskKind, bookingId: string, intentId: string, reason: string): void {
    const now = Date.now();
    this.deps.sql.exec("INSERT OR IGNORE INTO tasks (kind, booking_id, intent_id, reason, due_at) VALUES (?, ?, ?, ?, ?)", kind, bookingId, intentId, reason, now);
    this.deps.wake(now);
  }

  /** The refund of this intent completed: nothing left to ask the provider. */
  refundDone(intentId: string): void {
    this.deps.sql.exec("DELETE FROM tasks WHERE kind = 'refund' AND intent_id = ?", intentId);
  }

  async tick(): Promise<number | null> {
    // The clock now, not the alarm's start: parts that ran before may just have queued a task.
    const due = this.deps.sql.exec<TaskRow>("SELECT id, kind, booking_id, intent_id, reason, attempts FROM tasks WHERE due_at <= ? ORDER BY due_at LIMIT ?", Date.now(), BATCH).toArray();
    let provider: PaymentProvider | undefined;
    for (const t of due) {
      try {
        provider ??= this.deps.provider();
        if (t.kind === "cancel_intent") {
          await provider.cancelIntent(t.intent_id);
          this.deps.sql.exec("DELETE FROM tasks WHERE id = ?", t.id);
        } else {
          await provider.refund(t.intent_id, `refund-${t.intent_id}`, t.reason);
          this.deps.sql.exec("UPDATE tasks SET attempts = attempts + 1, due_at = ?, last_error = NULL WHERE id = ?", Date.now() + REFUND_RECHECK_MS, t.id);
        }
      } catch (e) {
        this.deps.sql.exec("UPDATE tasks SET attempts = attempts + 1, due_at = ?, last_error = ? WHERE id = ?", Date.now() + backoffMs(t.attempts + 1), formatError(e), t.id);
        this.deps.alarmLog().warn("payment task failed; will retry", { kind: t.kind, booking_id: t.booking_id, intent_id: t.intent_id, attempts: t.attempts + 1, error: describeError(e) });
      }
    }
    return this.deps.sql.exec<{ t: number | null }>("SELECT MIN(due_at) AS t FROM tasks").one().t;
  }
}
