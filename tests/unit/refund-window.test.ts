import { describe, expect, it } from "vitest";
import { buyerRefundClosesAt, RESCHEDULE_REFUND_DAYS } from "../../src/domain/refund-window";

const H = 3600_000;
const D = 24 * H;
const t0 = Date.parse("2027-03-01T10:00:00Z");

describe("a buyer's refund window", () => {
  it("closes refund_window_hours before the start when the date never moved", () => {
    expect(buyerRefundClosesAt({ startDate: new Date(t0), refundWindowHours: 24, rescheduledAt: null }).getTime()).toBe(t0 - 24 * H);
    expect(buyerRefundClosesAt({ startDate: new Date(t0), refundWindowHours: 0, rescheduledAt: null }).getTime()).toBe(t0);
  });

  it("stays open after a move to a date close at hand, until the new start", () => {
    const moved = t0 - 60 * D; // the change was made 60 days before the old date…
    const newStart = moved + 2 * D; // …to two days later
    const closes = buyerRefundClosesAt({ startDate: new Date(newStart), refundWindowHours: 24, rescheduledAt: new Date(moved) });
    expect(closes.getTime()).toBe(newStart);
  });

  it("gives at least RESCHEDULE_REFUND_DAYS after a move, and never less than the regular window", () => {
    const moved = t0 - 60 * D;
    const farStart = moved + 30 * D;
    const closes = buyerRefundClosesAt({ startDate: new Date(farStart), refundWindowHours: 24, rescheduledAt: new Date(moved) });
    expect(closes.getTime()).toBe(farStart - 24 * H); // the regular window is longer here
    const nearStart = moved + 5 * D;
    const near = buyerRefundClosesAt({ startDate: new Date(nearStart), refundWindowHours: 72, rescheduledAt: new Date(moved) });
    expect(near.getTime()).toBe(Math.min(moved + RESCHEDULE_REFUND_DAYS * D, nearStart));
  });
});
