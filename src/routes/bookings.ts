import type { z } from "zod";
import { desc, eq, inArray } from "drizzle-orm";
import { db, room, type AppEnv, type Ctx } from "../context";
import { bookingItems, bookings, events, payments } from "../db/schema";
import { visibleState, type BookingState } from "../domain/booking-state";
import { buyerRefundClosesAt } from "../domain/refund-window";
import { sha256Hex } from "../domain/refresh-token";
import { config } from "../config";
import { readBody } from "../middleware/body";
import { readHeader, readQuery } from "../middleware/params";
import { requireAuth } from "../middleware/auth";
import { describeError } from "../describe-error";
import { Problem, problems } from "../problem";
import type { BookingView } from "../../durable-objects/event-room/contract";
import { paymentProvider, paymentProviderMissing, paymentSetup } from "../payments";
import type { IntentInfo } from "../payments/provider";
import { verifyQueueToken } from "../domain/queue-tokens";
import { loadKeys } from "../domain/tokens";
import { accessibleBooking } from "./booking-access";
import { unwrap } from "./room-result";
import { requireEventOnSale } from "./event-gate";
import { rateLimiter } from "../rate-limit";
import { clientIp, enforce } from "../rate-limit/limiter";
import { bookingOperations as op, type paymentViewSchema } from "../contract/bookings";
import { ApiRoutes } from "./api-routes";

type PaymentView = z.infer<typeof paymentViewSchema> | null;

/** A booking as clients see it: lapsed holds read as expired even before the alarm catches up. */
function present(b: BookingView, payment: PaymentView = null) {
  return { ...b, status: visibleState(b.status, new Date(b.expires_at), new Date()), payment };
}

/** The provider could not be reached: 503, and the hold is left to run its course. */
function unavailable(c: Ctx, b: BookingView, e: unknown): Problem {
  c.get("log").error("payment intent creation failed; the hold stays until it expires", { booking_id: b.booking_id, error: describeError(e) });
  return new Problem(503, "payment_unavailable", "Payment unavailable", "Payments cannot be started right now; your seats stay held until the hold expires, please try again", {}, { "Retry-After": "5" });
}

/**
 * Opens checkout: creates (or, on any later call, finds: the provider call is idempotent per
 * booking) the hold's PaymentIntent and records it in the EventRoom. Kept off the reservation
 * itself so a hold costs one room call; a provider outage leaves the hold to run its course.
 */
async function startPayment(c: Ctx, b: BookingView) {
  const provider = paymentProvider(c.env);
  let intent: IntentInfo;
  try {
    intent = await provider.createIntent({ bookingId: b.booking_id, eventId: b.event_id, userId: b.user_id, amount: b.total_amount, currency: b.currency });
  } catch (e) {
    throw unavailable(c, b, e);
  }
  const attached = unwrap(await room(c, b.event_id).attachPayment(b.booking_id, intent.id, provider.name, c.get("requestId")));
  // Another checkout recorded its intent first (the provider made two): that one is the booking's.
  if (attached.intentId !== intent.id) intent = await provider.retrieveIntent(attached.intentId).catch((e: unknown) => { throw unavailable(c, b, e); });
  return {
    booking_id: b.booking_id, payment_intent_id: intent.id, status: intent.status, client_secret: intent.clientSecret, expires_at: b.expires_at,
    provider: provider.name, publishable_key: provider.name === "stripe" ? config(c.env).stripePublishableKey ?? null : null,
    ...(provider.name === "simulator" ? { checkout_url: `/checkout/${intent.id}?client_secret=${encodeURIComponent(intent.clientSecret ?? "")}` } : {}),
  };
}

/**
 * A replayed booking that is no longer a hold: its intent as the provider has it now (paid, or
 * canceled), without creating one. Null if none was ever made for it.
 */
async function currentPayment(c: Ctx, intentId: string | null): Promise<PaymentView> {
  if (!intentId) return null;
  try {
    const intent = await paymentProvider(c.env).retrieveIntent(intentId);
    return { payment_intent_id: intent.id, status: intent.status };
  } catch (e) {
    c.get("log").warn("payment intent lookup failed on a replay", { payment_intent_id: intentId, error: String(e) });
    throw new Problem(503, "payment_unavailable", "Payment unavailable", "The payment provider cannot be reached right now; retry the same request", {}, { "Retry-After": "5" });
  }
}

type BookingRow = typeof bookings.$inferSelect;
async function withItems(c: Ctx, rows: BookingRow[]) {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.bookingId);
  const [items, pays, terms] = await Promise.all([
    db(c).select().from(bookingItems).where(inArray(bookingItems.bookingId, ids)),
    db(c).select().from(payments).where(inArray(payments.bookingId, ids)),
    db(c).select({ eventId: events.eventId, startDate: events.startDate, refundWindowHours: events.refundWindowHours, rescheduledAt: events.rescheduledAt })
      .from(events).where(inArray(events.eventId, [...new Set(rows.map((r) => r.eventId))])),
  ]);
  return rows.map((r) => {
    const event = terms.find((t) => t.eventId === r.eventId);
    const pay = pays.filter((p) => p.bookingId === r.bookingId).sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())[0];
    const mine = items.filter((i) => i.bookingId === r.bookingId);
    const area = mine.find((i) => i.kind === "area");
    return present({
      booking_id: r.bookingId, event_id: r.eventId, user_id: r.userId, status: r.status as BookingState,
      seats: mine.filter((i) => i.kind === "seat").map((i) => i.itemId).sort(),
      ...(area ? { area: area.itemId, quantity: area.quantity } : {}),
      items: mine.map((i) => ({ item_id: i.itemId, kind: i.kind, quantity: i.quantity, unit_price: i.unitPrice })),
      total_amount: r.totalAmount, currency: r.currency as BookingView["currency"],
      expires_at: r.expiresAt.toISOString(), created_at: r.createdAt.toISOString(),
      refund_closes_at: event ? buyerRefundClosesAt(event).toISOString() : null,
    }, pay ? { payment_intent_id: pay.paymentIntentId, status: pay.status } : null);
  });
}

export const bookingRoutes = new ApiRoutes("/api/bookings")
  .guard(requireAuth())
  .serve(op.create, async (c) => {
    // Before any seat is held: without a provider a hold could never be paid.
    if (paymentSetup(c.env) === "missing") throw paymentProviderMissing();
    await enforce(c, rateLimiter(c.env), "bookings", [`user:${c.get("principal").userId}`, `ip:${clientIp(c)}`]);
    const body = await readBody(c, op.create);
    await requireEventOnSale(c, body.event_id);
    const key = readHeader(c, "Idempotency-Key", op.create.request.headers.shape["Idempotency-Key"]);
    // The admission token's signature is checked here at the edge; whether the room needs one,
    // and whether the session is still running, the room decides.
    const admissionHeader = readHeader(c, "Admission-Token", op.create.request.headers.shape["Admission-Token"]);
    const admission = admissionHeader
      ? await verifyQueueToken(await loadKeys(c.env.JWT_PRIVATE_JWK), "admission", admissionHeader, body.event_id)
      : null;
    if (admission && admission.userId !== c.get("principal").userId) throw problems.forbidden("This admission token belongs to another account");
    const result = unwrap(await room(c, body.event_id).reserve({
      userId: c.get("principal").userId,
      admission: admission ? { position: admission.position } : null,
      correlationId: c.get("requestId"),
      ...(key ? { idempotency: { key, bodyHash: await sha256Hex(JSON.stringify(body)) } } : {}),
      ...("seat_ids" in body ? { seatIds: body.seat_ids } : { area: body.area, quantity: body.quantity }),
    }));
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    else c.get("log").info("booking reserved", { booking_id: result.booking.booking_id, event_id: body.event_id, total: result.booking.total_amount });
    // One room call in series: the payment starts when the buyer opens checkout (op.pay). A replay
    // answers with the booking as it is now, and the payment it had if checkout was opened.
    const payment = result.replayed ? await currentPayment(c, result.paymentIntentId) : null;
    return c.json({ ...present(result.booking), payment }, 201);
  })
  .serve(op.pay, async (c) => {
    if (paymentSetup(c.env) === "missing") throw paymentProviderMissing();
    const found = await accessibleBooking(c, c.req.param("id"));
    // The client secret is the buyer's alone: organizers and admins see the booking, not this.
    if (!found.isOwner) throw problems.notFound("Booking");
    // The room, not Postgres (which may lag), says whether it is still a hold.
    const live = found.live ?? await room(c, found.eventId).getBooking(found.bookingId);
    if (!live) throw problems.notFound("Booking");
    const status = visibleState(live.status, new Date(live.expires_at), new Date());
    if (status !== "reserved") throw problems.conflict("booking_not_payable", `A ${status} booking cannot be paid`);
    return c.json(await startPayment(c, live), 200);
  })
  .serve(op.list, async (c) => {
    const q = readQuery(c, op.list.request.query);
    const rows = await db(c).select().from(bookings).where(eq(bookings.userId, c.get("principal").userId))
      .orderBy(desc(bookings.createdAt)).limit(q.page_size).offset((q.page - 1) * q.page_size);
    return c.json({ bookings: await withItems(c, rows), page: q.page, page_size: q.page_size }, 200);
  })
  .serve(op.get, async (c) => {
    const { row, live } = await accessibleBooking(c, c.req.param("id"));
    // Not in Postgres yet: the room's view (no payment can have been recorded there before it).
    const [view] = row ? await withItems(c, [row]) : live ? [present({ ...live, seats: [...live.seats].sort() })] : [];
    if (!view) throw problems.notFound("Booking");
    return c.json(view, 200);
  })
  .serve(op.cancel, async (c) => {
    const { bookingId, eventId, isStaff } = await accessibleBooking(c, c.req.param("id"));
    const result = unwrap(await room(c, eventId).cancel(bookingId, c.get("requestId"), { userId: c.get("principal").userId, isStaff }));
    return c.json(present(result.booking), 200);
  });
