import { describe, expect, it } from "vitest";
import { CATALOGUE, InvalidMessage, makeMessage, parseMessage, TOPICS, type MessageType, type PayloadInput } from "../../src/pipeline/catalogue";
import { envelopeSchema, type OutboxMessage } from "../../src/pipeline/envelope";

const id = () => crypto.randomUUID();
const view = (): PayloadInput<"BookingCreated"> => ({
  booking_id: id(), event_id: id(), user_id: id(), status: "reserved", seats: ["A-1-1"],
  items: [{ item_id: "A-1-1", kind: "seat", quantity: 1, unit_price: 150000 }], total_amount: 150000, currency: "KRW",
  expires_at: new Date(Date.now() + 600_000).toISOString(), created_at: new Date().toISOString(), refund_closes_at: null,
});
const meta = { correlationId: "test" };
/** The same payload without one field, as a producer with a renamed or forgotten field would send it. */
function without<T extends object>(data: T, field: keyof T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([k]) => k !== field));
}
/** Bypasses the compile-time check, as JavaScript (or a cast) could: the runtime check must still hold. */
const untyped = (type: MessageType, data: Record<string, unknown>): OutboxMessage => Reflect.apply(makeMessage, undefined, [type, "key", data, meta]);

describe("the message catalogue", () => {
  it("refuses at the producer a message missing a field, or with a field of the wrong type, naming it", () => {
    const good = view();
    expect(makeMessage("BookingCreated", good.booking_id, good, meta).envelope.data).toEqual(good);
    for (const field of ["booking_id", "event_id", "user_id", "status", "items", "total_amount", "currency", "expires_at", "created_at"] as const) {
      expect(() => untyped("BookingCreated", without(good, field)), field).toThrow(InvalidMessage);
      expect(() => untyped("BookingCreated", without(good, field)), field).toThrow(field);
    }
    expect(() => untyped("BookingCreated", { ...good, total_amount: "150000" })).toThrow(/total_amount/);
    expect(() => untyped("SeatsReserved", { event_id: good.event_id, booking_id: good.booking_id, seatIds: ["A-1-1"], area: null, quantity: null })).toThrow(/seat_ids/);
    expect(() => untyped("PaymentSucceeded", {
      booking_id: good.booking_id, event_id: good.event_id, user_id: good.user_id, payment_intent_id: "pi_1", amount: 1, currency: "KRW", booking_status: "reserved", outcome: "confirmed",
    })).toThrow(/provider/);
    expect(() => untyped("PaymentSucceeded", {
      booking_id: good.booking_id, event_id: good.event_id, user_id: good.user_id, payment_intent_id: "pi_1", provider: "stripe", amount: 1, currency: "KRW",
      booking_status: "reserved", outcome: "refund_queued",
    })).toThrow(/reason/);
    expect(() => untyped("EventUpdated", { event_id: good.event_id, start_date: "next tuesday" })).toThrow(InvalidMessage);
  });

  it("drops fields a type does not know, so what is sent is what consumers read", () => {
    const m = untyped("BookingCreated", { ...view(), seat_map: { huge: true }, secret: "x" });
    expect(m.envelope.data).not.toHaveProperty("seat_map");
    expect(m.envelope.data).not.toHaveProperty("secret");
  });

  it("gives every type a topic and a valid envelope, and consumers typed data back", () => {
    for (const [type, entry] of Object.entries(CATALOGUE)) expect(TOPICS, type).toContain(entry.topic);
    const good = view();
    const m = makeMessage("BookingCreated", good.booking_id, good, meta);
    expect(m.topic).toBe("booking-events");
    const envelope = envelopeSchema.parse(JSON.parse(JSON.stringify(m.envelope)));
    const parsed = parseMessage(envelope);
    if (!parsed.ok || parsed.message.event_type !== "BookingCreated") throw new Error("not parsed back");
    expect(parsed.message.data.items[0]?.unit_price).toBe(150000);
    expect(envelopeSchema.safeParse({ ...envelope, event_type: "BookingTeleported" }).success).toBe(false);
  });

  it("reports, without throwing, data that does not fit its type (consumers log and skip it)", () => {
    const good = view();
    const m = makeMessage("BookingCreated", good.booking_id, good, meta).envelope;
    const broken = parseMessage({ ...m, data: without(good, "total_amount") });
    expect(broken).toMatchObject({ ok: false });
    if (!broken.ok) expect(broken.error).toContain("total_amount");
    // A refund has two shapes; something of neither is refused.
    expect(parseMessage({ ...m, event_type: "RefundProcessed", data: { booking_id: id(), event_id: id(), user_id: id(), currency: "KRW" } })).toMatchObject({ ok: false });
  });
});
