import { performance } from "node:perf_hooks";
import { CATCH_UP_TIMEOUT_MS } from "../config";
import { send, type Scenario } from "../load";
import { eventStats, seatIdAt, type BenchContext } from "../setup";

/** What the pay flows did, for the consistency check: flows that reached 202, and how long their webhooks took to confirm them all. */
export interface PayOutcome { flows: number; confirmDrainMs: number }

/**
 * One flow per operation: reserve (201), then pay at the simulator's checkout (202). The
 * Stripe-signed webhook that confirms the booking arrives asynchronously; after the timed
 * requests, the scenario waits (untimed) until the room has confirmed every flow.
 */
export function pay(ctx: BenchContext): Scenario & { outcome: PayOutcome } {
  const outcome: PayOutcome = { flows: 0, confirmDrainMs: 0 };
  // The pay scenario's seats follow the reserve scenario's.
  const firstSeat = ctx.config.requests + ctx.config.warmup;
  const awaitConfirmations = async () => {
    ctx.log(`waiting for ${outcome.flows} payments to be confirmed by their webhooks`);
    const t0 = performance.now();
    for (;;) {
      const st = await eventStats(ctx);
      if ((st.bookings.confirmed ?? 0) >= outcome.flows) break;
      if (performance.now() - t0 > CATCH_UP_TIMEOUT_MS) throw new Error(`only ${st.bookings.confirmed} of ${outcome.flows} payments confirmed after ${CATCH_UP_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    outcome.confirmDrainMs = Math.round(performance.now() - t0);
  };
  return {
    name: "pay",
    description: "one flow: POST /api/bookings (201), POST /api/bookings/{id}/payment (200, the intent), then the buyer pays at the simulator's checkout (202); " +
      "the Stripe-signed webhook that confirms the booking arrives asynchronously and is waited for after the load",
    afterTimed: awaitConfirmations,
    outcome,
    op: async (i) => {
      const booked = await send({ url: `${ctx.appUrl}/api/bookings`, init: {
        method: "POST", headers: ctx.userHeaders[i % ctx.userHeaders.length], body: JSON.stringify({ event_id: ctx.event.event_id, seat_ids: [seatIdAt(firstSeat + i)] }),
      } }, 201);
      if (booked.error) return booked.error;
      // The buyer opens checkout: the PaymentIntent is made now, off the reservation's path.
      const { booking_id: bookingId } = JSON.parse(booked.body) as { booking_id: string };
      const opened = await send({ url: `${ctx.appUrl}/api/bookings/${bookingId}/payment`, init: {
        method: "POST", headers: ctx.userHeaders[i % ctx.userHeaders.length],
      } }, 200);
      if (opened.error) return opened.error;
      const intent = JSON.parse(opened.body) as { payment_intent_id: string; client_secret: string };
      const done = await send({ url: `${ctx.appUrl}/api/payment/simulator/${intent.payment_intent_id}/complete`, init: {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_secret: intent.client_secret, outcome: "succeeded" }),
      } }, 202);
      if (!done.error) outcome.flows++;
      return done.error;
    },
  };
}
