import { describe, expect, it } from "vitest";
import { ok, refuse } from "../../durable-objects/event-room/contract";
import { Problem } from "../../src/problem";
import { unwrap } from "../../src/routes/room-result";

describe("room results: one shape, mapped to problem+json in one place", () => {
  it("hands back the value of a success", () => {
    expect(unwrap(ok({ changed: true }))).toEqual({ changed: true });
  });

  it("throws a refusal as the problem the client gets: status, code, detail and what the room named", () => {
    const cases = [
      { r: refuse(409, "seats_unavailable", "Seats not available: A-1-1", ["A-1-1"]), title: "Conflict", extras: { unavailable_seats: ["A-1-1"] } },
      { r: refuse(409, "hold_limit_reached", "too many", undefined, { held_seats: 8, max_held_seats: 8 }), title: "Conflict", extras: { held_seats: 8, max_held_seats: 8 } },
      { r: refuse(403, "queue_required", "join first"), title: "Forbidden", extras: { join: "POST /api/queue/{event_id}/join" } },
      { r: refuse(403, "admission_expired", "again"), title: "Forbidden", extras: { join: "POST /api/queue/{event_id}/join" } },
      { r: refuse(404, "not_found", "Booking was not found"), title: "Not found", extras: {} },
      { r: refuse(422, "too_many_seats", "at most 8"), title: "Unprocessable request", extras: {} },
    ];
    for (const { r, title, extras } of cases) {
      let thrown: unknown;
      try {
        unwrap(r);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(Problem);
      if (!(thrown instanceof Problem) || r.ok) continue;
      expect(thrown.toJSON()).toEqual({ type: `https://ticketing.pro/problems/${r.code}`, title, status: r.status, detail: r.detail, code: r.code, ...extras });
    }
  });
});
