/**
 * The rules of the sale that an event's dates and refund window must keep. Pure: the time is an
 * input. Sales stop when the event starts, so an event that has started cannot be published or
 * moved into the past; once tickets are on sale, buyers' refund terms may only get better.
 */
export type RuleBreach =
  | { kind: "invalid"; field: string; message: string }
  | { kind: "conflict"; code: string; detail: string; extras?: Record<string, unknown> };

interface EventTerms { status: "draft" | "published" | "cancelled"; startDate: Date; refundWindowHours: number }

/** Publishing opens a sale, which ends at the start: there must be time left to sell. */
export function publishBreach(e: EventTerms, now: Date): RuleBreach | null {
  if (e.startDate.getTime() > now.getTime()) return null;
  return {
    kind: "conflict", code: "event_started",
    detail: `The event starts at ${e.startDate.toISOString()}, which is not in the future; move start_date before publishing`,
    extras: { start_date: e.startDate.toISOString() },
  };
}

/** What an update may not do: start in the past, or lower the refund window of an event on sale. */
export function updateBreach(e: EventTerms, change: { start_date?: string | undefined; refund_window_hours?: number | undefined }, now: Date): RuleBreach | null {
  if (change.start_date !== undefined && Date.parse(change.start_date) <= now.getTime()) {
    return { kind: "invalid", field: "start_date", message: "must be in the future" };
  }
  if (e.status === "published" && change.refund_window_hours !== undefined && change.refund_window_hours < e.refundWindowHours) {
    return {
      kind: "conflict", code: "refund_window_lowered",
      detail: `Tickets are on sale with refunds until ${e.refundWindowHours} hours before the start; the window may be raised, not lowered`,
      extras: { refund_window_hours: e.refundWindowHours },
    };
  }
  return null;
}

/** A published event whose start moves is rescheduled: its buyers get the refund terms of `buyerRefundClosesAt`. */
export function isReschedule(e: EventTerms, newStart: Date): boolean {
  return e.status === "published" && newStart.getTime() !== e.startDate.getTime();
}
