import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { transferRefusal, type TransferFacts } from "../../src/domain/tickets/transfer";

const NOW = Date.parse("2027-03-01T10:00:00Z");
const ok: TransferFacts = {
  holder: "a", callerGaveItAway: false, caller: "a", recipient: "b", status: "valid", refundPending: false, used: false,
  transfersOn: true, startsAt: NOW + 3600_000, eventCancelled: false, now: NOW,
};

describe("who may transfer a ticket, to whom, and when", () => {
  it("allows the holder to give a valid, unused ticket before the event starts", () => {
    expect(transferRefusal(ok)).toBeNull();
    expect(transferRefusal({ ...ok, startsAt: null })).toBeNull();
  });

  it("refuses each case with its own status and code", () => {
    const cases: [Partial<TransferFacts>, number, string][] = [
      [{ holder: null }, 404, "not_found"],
      [{ holder: "c" }, 404, "not_found"],
      [{ holder: "c", callerGaveItAway: true }, 409, "ticket_transferred"],
      [{ recipient: "a" }, 422, "self_transfer"],
      [{ status: "void" }, 409, "ticket_revoked"],
      [{ eventCancelled: true }, 409, "ticket_revoked"],
      [{ refundPending: true }, 409, "refund_pending"],
      [{ used: true }, 409, "ticket_used"],
      [{ transfersOn: false }, 409, "transfers_disabled"],
      [{ startsAt: NOW }, 409, "event_started"],
      [{ startsAt: NOW - 1 }, 409, "event_started"],
    ];
    for (const [change, status, code] of cases) expect(transferRefusal({ ...ok, ...change }), code).toMatchObject({ status, code });
    // One millisecond before the start is still allowed.
    expect(transferRefusal({ ...ok, startsAt: NOW + 1 })).toBeNull();
  });

  it("never lets anyone but the holder move a ticket, and never tells a stranger more than not_found", () => {
    fc.assert(fc.property(
      fc.record({
        holder: fc.option(fc.constantFrom("a", "b", "c"), { nil: null }), callerGaveItAway: fc.boolean(), caller: fc.constantFrom("a", "b", "c"),
        recipient: fc.constantFrom("a", "b", "c"), status: fc.constantFrom("valid" as const, "void" as const), refundPending: fc.boolean(), used: fc.boolean(),
        transfersOn: fc.boolean(), startsAt: fc.option(fc.integer({ min: NOW - 10_000, max: NOW + 10_000 }), { nil: null }), eventCancelled: fc.boolean(), now: fc.constant(NOW),
      }),
      (f) => {
        const r = transferRefusal(f);
        if (f.holder !== f.caller) expect(r).not.toBeNull();
        if (f.holder !== f.caller && !f.callerGaveItAway) expect(r).toMatchObject({ status: 404, code: "not_found" });
        if (r === null) {
          expect(f).toMatchObject({ holder: f.caller, status: "valid", refundPending: false, used: false, transfersOn: true, eventCancelled: false });
          expect(f.recipient).not.toBe(f.caller);
          expect(f.startsAt === null || f.now < f.startsAt).toBe(true);
        }
      },
    ));
  });
});
