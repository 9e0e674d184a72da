/**
 * Until when a buyer may ask for their own refund (organizers and admins always may).
 *
 * The regular rule: until `refundWindowHours` before the start. When an organizer moves the date
 * of a published event, buyers did not agree to the new date, so they get a window of their own:
 * at least `RESCHEDULE_REFUND_DAYS` after the change, however close the new date is, but never
 * past the new start. Moving a date can therefore only widen the window, never close it.
 */
export const RESCHEDULE_REFUND_DAYS = 7;

export interface RefundTerms { startDate: Date; refundWindowHours: number; rescheduledAt: Date | null }

export function buyerRefundClosesAt(e: RefundTerms): Date {
  const regular = e.startDate.getTime() - e.refundWindowHours * 3600_000;
  if (!e.rescheduledAt) return new Date(regular);
  const extended = Math.min(e.rescheduledAt.getTime() + RESCHEDULE_REFUND_DAYS * 86400_000, e.startDate.getTime());
  return new Date(Math.max(regular, extended));
}
