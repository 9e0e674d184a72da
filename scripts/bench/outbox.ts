import { performance } from "node:perf_hooks";
import { CATCH_UP_TIMEOUT_MS } from "./config";
import { eventStats, type BenchContext, type EventStats } from "./setup";

/** Polls the organizer stats until the event's EventRoom (the bench event's by default) has sent its whole outbox to Postgres. */
export async function waitForOutbox(ctx: BenchContext, eventId = ctx.event.event_id): Promise<{ stats: EventStats; pendingAtStart: number; waitedMs: number }> {
  const t0 = performance.now();
  let pendingAtStart: number | undefined;
  for (;;) {
    const stats = await eventStats(ctx, eventId);
    pendingAtStart ??= stats.outbox_pending;
    if (stats.outbox_pending === 0) return { stats, pendingAtStart, waitedMs: performance.now() - t0 };
    if (performance.now() - t0 > CATCH_UP_TIMEOUT_MS) {
      throw new Error(`outbox still has ${stats.outbox_pending} pending messages after ${CATCH_UP_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
