import { describe, expect, it } from "vitest";
import { GROW_MIN_MS, nextEstimate, progressPercent, secondsLeft } from "../../web/src/queue/estimate";
import { payState, settled, type PayState } from "../../web/src/payments/pay-state";

// The web app's pure rules for the waiting page's numbers and the pay page's message.

describe("waiting page: an honest countdown", () => {
  const t0 = 1_000_000;
  it("counts down from the latest estimate, against when its answer arrived", () => {
    const first = nextEstimate(null, 60, t0);
    expect(first).toEqual({ at: t0 + 60_000, grew: false });
    expect(secondsLeft(first.at, t0 + 10_500)).toBe(50);
    // The next poll says less: the countdown comes forward.
    expect(nextEstimate(first, 40, t0 + 5000)).toEqual({ at: t0 + 45_000, grew: false });
  });

  it("never jumps up for a poll's rounding, but takes (and says) a real slowdown", () => {
    const shown = nextEstimate(null, 60, t0);
    // One second later the API says 61 s (its rounding, or a tick late): not news.
    expect(nextEstimate(shown, 61, t0 + 1000)).toEqual(shown);
    // The position re-estimated a few places back: a few seconds more, still not news.
    expect(nextEstimate(shown, 64, t0 + 1000)).toEqual(shown);
    expect(nextEstimate(shown, 60 + GROW_MIN_MS / 1000, t0)).toEqual(shown);
    // Two minutes more: the organizer slowed admission; the page takes it and says why.
    expect(nextEstimate(shown, 180, t0 + 1000)).toEqual({ at: t0 + 181_000, grew: true });
    // Polls every 2 s whose answers wobble by up to 2 s around a steady countdown: the shown end never moves later.
    let e = nextEstimate(null, 100, t0);
    for (let i = 1; i <= 50; i++) {
      const next = nextEstimate(e, 100 - i * 2 + (i % 3), t0 + i * 2000);
      expect(next.grew).toBe(false);
      expect(next.at).toBeLessThanOrEqual(e.at);
      e = next;
    }
    expect(secondsLeft(t0, t0 + 5000)).toBe(0);
  });

  it("shows progress through the line from where the fan started", () => {
    expect(progressPercent(100, 100)).toBe(0);
    expect(progressPercent(100, 25)).toBe(75);
    expect(progressPercent(100, 0)).toBe(100);
    expect(progressPercent(10, 30)).toBe(0); // more ahead than at first (an estimate refined): not below zero
    expect(progressPercent(0, 0)).toBe(100);
  });
});

describe("pay page: what is said about the booking", () => {
  const now = Date.parse("2027-01-01T00:00:00Z");
  const b = (status: "reserved" | "confirmed" | "cancelled" | "expired" | "refunded", expires = "2027-01-01T00:05:00Z", payment: "failed" | "canceled" | null = null) =>
    ({ status, expires_at: expires, payment: payment ? { payment_intent_id: "pi_1", status: payment } : null });
  const idle = { submitted: false, declined: false };

  it("an open hold can be paid until it runs out; then it has lapsed, as the API reads it", () => {
    expect(payState(b("reserved"), now, idle)).toBe("open");
    expect(payState(b("reserved", "2027-01-01T00:00:00Z"), now, idle)).toBe("lapsed");
    expect(payState(b("expired"), now, idle)).toBe("lapsed");
  });

  it("a payment on its way waits for the booking, even past the hold's end (a late payment may still be honoured)", () => {
    expect(payState(b("reserved", "2027-01-01T00:00:00Z"), now, { submitted: true, declined: false })).toBe("confirming");
    expect(payState(b("confirmed"), now, { submitted: true, declined: false })).toBe("confirmed");
  });

  it("a decline is told apart from a cancel, whether this page or another saw it", () => {
    expect(payState(b("reserved"), now, { submitted: true, declined: true })).toBe("declined_checking");
    expect(payState(b("cancelled"), now, { submitted: true, declined: true })).toBe("declined");
    expect(payState(b("cancelled", undefined, "failed"), now, idle)).toBe("declined");
    expect(payState(b("cancelled", undefined, "canceled"), now, idle)).toBe("cancelled");
    expect(payState(b("refunded"), now, idle)).toBe("refunded");
  });

  it("stops asking once the booking is settled", () => {
    const going: PayState[] = ["open", "confirming", "declined_checking"];
    const done: PayState[] = ["confirmed", "declined", "lapsed", "cancelled", "refunded"];
    expect(going.map(settled)).toEqual([false, false, false]);
    expect(done.map(settled)).toEqual([true, true, true, true, true]);
  });
});
