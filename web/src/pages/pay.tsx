import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { bookingOperations } from "../../../src/contract/bookings";
import { call } from "../api/client";
import { bookedItems, clock, useSecondsLeft } from "../components/hold-panel";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { payState, settled, type PageKnows } from "../payments/pay-state";
import { SimulatorForm } from "../payments/simulator-form";
import { StripeForm } from "../payments/stripe-form";

/** While a payment is on its way the booking is read every second; otherwise every few (it may be cancelled in another tab). */
const CONFIRMING_POLL_MS = 1000;
const IDLE_POLL_MS = 3000;

const alertClass = "my-4 rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950";
const doneClass = "my-4 rounded-lg border border-green-700 bg-green-50 p-4 text-green-950";

/**
 * Paying a hold: the countdown, the card form (the simulator's, or Stripe's Payment Element,
 * as the API's checkout answer says), then the booking as the server settles it. Every end is
 * said in plain words with what became of the seats.
 */
export function PayPage() {
  const { bookingId = "" } = useParams();
  const { t, money, date } = useI18n();
  const queries = useQueryClient();
  const [knows, setKnows] = useState<PageKnows>({ submitted: false, declined: false });
  const booking = useQuery({
    queryKey: ["booking", bookingId],
    queryFn: () => call(bookingOperations.get, { auth: true, params: { id: bookingId } }),
    refetchInterval: (q) => {
      const b = q.state.data;
      if (b && settled(payState(b, Date.now(), knows))) return false;
      return knows.submitted ? CONFIRMING_POLL_MS : IDLE_POLL_MS;
    },
    refetchIntervalInBackground: true,
  });
  const b = booking.data;
  const left = useSecondsLeft(b?.expires_at ?? new Date(0).toISOString());
  const state = b ? payState(b, Date.now(), knows) : null;
  // Opening checkout is idempotent on the server (one intent per booking): asked once per visit.
  const checkout = useQuery({
    queryKey: ["checkout", bookingId],
    queryFn: () => call(bookingOperations.pay, { auth: true, params: { id: bookingId } }),
    enabled: state === "open",
    staleTime: Infinity,
  });
  useEffect(() => {
    if (state && settled(state)) {
      void queries.invalidateQueries({ queryKey: ["bookings"] });
      if (b) void queries.invalidateQueries({ queryKey: ["seats", b.event_id] });
    }
  }, [state]); // eslint-disable-line react-hooks/exhaustive-deps

  if (booking.error) return <ProblemMessage error={booking.error} onRetry={() => booking.refetch()} />;
  if (!b || !state) return <p role="status">{t("common.loading")}</p>;
  const amount = money(b.total_amount, b.currency);
  const heldUntil = date(b.expires_at);
  const seats = bookedItems(b);
  const sent = (declined: boolean) => setKnows({ submitted: true, declined });
  const toEvent = <Link to={`/events/${b.event_id}`} className="text-indigo-800 underline">{t("pay.toEvent")}</Link>;

  return (
    <section className="mx-auto max-w-xl">
      <h1 className="mb-2 text-2xl font-bold">{t("pay.title")}</h1>
      <p className="text-lg" data-testid="pay-items">{seats} · {amount}</p>
      {(state === "open" || state === "confirming") && (
        <>
          <p className="text-lg font-semibold" aria-live="off" data-testid="hold-countdown">{t("hold.expiresIn", { time: clock(left) })}</p>
          <p>{t("pay.heldUntil", { time: heldUntil })}</p>
        </>
      )}
      {state === "open" && checkout.isPending && <p role="status">{t("pay.opening")}</p>}
      {state === "open" && checkout.error && <ProblemMessage error={checkout.error} onRetry={() => checkout.refetch()} />}
      {state === "open" && checkout.data && (checkout.data.provider === "stripe"
        ? <StripeForm checkout={checkout.data} heldUntil={heldUntil} amount={amount} onSent={sent} />
        : <SimulatorForm checkout={checkout.data} amount={amount} onSent={sent} />)}
      <div aria-live="polite">
        {state === "confirming" && <p role="status" className="my-4">{t("pay.confirming")}</p>}
        {state === "declined_checking" && <p role="status" className={alertClass}>{t("pay.declinedChecking")}</p>}
      </div>
      {state === "confirmed" && (
        <div role="status" className={doneClass}>
          <p className="font-semibold">{t("pay.confirmed")}</p>
          <Link to="/bookings" className="text-indigo-800 underline">{t("pay.toBookings")}</Link>
        </div>
      )}
      {state === "refunded" && <p role="status" className={doneClass}>{t("pay.refunded")}</p>}
      {(state === "declined" || state === "lapsed" || state === "cancelled") && (
        <div role="alert" className={alertClass}>
          <p>{state === "declined" ? t("pay.declined", { seats }) : state === "lapsed" ? t("pay.lapsed", { seats, time: heldUntil }) : t("pay.cancelled", { seats })}</p>
          <p className="mt-2">{toEvent}</p>
        </div>
      )}
    </section>
  );
}
