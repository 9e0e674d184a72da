import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventRoom } from "../../durable-objects/event-room";
import type { RoomConfig } from "../../durable-objects/event-room/contract";
import { expandSeats, type SeatMap } from "../../src/domain/seat-map";

/** The room's seat-map version, which the edge's cache revalidates with (src/routes/event-reads.ts). */
const MAP: SeatMap = { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 6 }] }], areas: [{ name: "GA", price: 500, capacity: 5 }] };

function freshRoom() {
  const eventId = crypto.randomUUID();
  const stub = env.EVENT_ROOM.get(env.EVENT_ROOM.idFromName(eventId));
  const config: RoomConfig = { eventId, organizerId: crypto.randomUUID(), currency: "KRW", seats: expandSeats(MAP), areas: MAP.areas };
  return { stub, config };
}
const user = () => crypto.randomUUID();
const statusOf = async (stub: DurableObjectStub<EventRoom>, seat: string) => (await stub.seatMapSince(null)).snapshot?.seats.find((s) => s.seat_id === seat)?.status;

describe("the room's seat-map version", () => {
  it("answers without the map while the version is unchanged, and with it after every kind of change", async () => {
    const { stub, config } = freshRoom();
    const before = await stub.seatMapSince(null);
    expect(before.snapshot?.status).toBe("unconfigured");
    await stub.configure(config);
    const opened = await stub.seatMapSince(before.version);
    expect(opened.version).not.toBe(before.version);
    expect(opened.snapshot?.seats).toHaveLength(6);
    // Nothing changed: no map crosses the wire.
    expect(await stub.seatMapSince(opened.version)).toMatchObject({ version: opened.version, snapshot: null });

    const versions = new Set([before.version, opened.version]);
    const expectChanged = async (what: string) => {
      const r = await stub.seatMapSince(null);
      expect(versions.has(r.version), `${what} moves the version`).toBe(false);
      versions.add(r.version);
      return r;
    };

    const held = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-1"] });
    if (!held.ok) throw new Error("reserve failed");
    expect((await expectChanged("a hold")).snapshot?.seats.find((s) => s.seat_id === "A-1-1")?.status).toBe("held");

    const ga = await stub.reserve({ userId: user(), correlationId: "t", area: "GA", quantity: 2 });
    if (!ga.ok) throw new Error("reserve failed");
    expect((await expectChanged("a general-admission hold")).snapshot?.areas[0]?.available).toBe(3);

    const b = held.value.booking;
    await stub.paymentSucceeded({ bookingId: b.booking_id, intentId: `pi_${b.booking_id.slice(0, 8)}`, provider: "simulator", amount: b.total_amount, currency: "KRW", correlationId: "t" });
    expect((await expectChanged("a payment")).snapshot?.seats.find((s) => s.seat_id === "A-1-1")?.status).toBe("sold");

    const c = await stub.cancel(ga.value.booking.booking_id, "t", { userId: ga.value.booking.user_id, isStaff: false });
    expect(c.ok).toBe(true);
    expect((await expectChanged("a cancelled hold")).snapshot?.areas[0]?.available).toBe(5);

    const lapsing = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-2"] });
    if (!lapsing.ok) throw new Error("reserve failed");
    await expectChanged("another hold");
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec("UPDATE bookings SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, lapsing.value.booking.booking_id);
    });
    await runDurableObjectAlarm(stub);
    expect(await statusOf(stub, "A-1-2")).toBe("available");
    await expectChanged("an expiry");

    await stub.close("t");
    expect((await expectChanged("closing the sale")).snapshot?.status).toBe("cancelled");
  });

  it("moves even after every outbox message was sent and deleted (AUTOINCREMENT never reuses a number)", async () => {
    const { stub, config } = freshRoom();
    await stub.configure(config);
    const r = await stub.reserve({ userId: user(), correlationId: "t", seatIds: ["A-1-3"] });
    if (!r.ok) throw new Error("reserve failed");
    const v1 = (await stub.seatMapSince(null)).version;
    // The outbox is emptied (as retention does once messages reached Postgres), then the hold is cancelled.
    await runInDurableObject(stub, (_o, state) => state.storage.sql.exec("DELETE FROM outbox"));
    expect((await stub.seatMapSince(v1)).snapshot).toBeNull();
    await stub.cancel(r.value.booking.booking_id, "t", { userId: r.value.booking.user_id, isStaff: false });
    const after = await stub.seatMapSince(v1);
    expect(after.version).not.toBe(v1);
    expect(after.snapshot?.seats.find((s) => s.seat_id === "A-1-3")?.status).toBe("available");
  });
});
