import { useMutation, useMutationState, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { bookingOperations } from "../../../src/contract/bookings";
import { call } from "../api/client";
import { bookedItems, clock, useSecondsLeft, type Booking } from "../components/hold-panel";
import { RefundControl } from "../payments/refund-button";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/messages";

const REFUND_POLL_MS = 2000;

function HoldTimer({ expiresAt }: { expiresAt: string }) {
  const { t } = useI18n();
  const left = useSecondsLeft(expiresAt);
  return <span>{left > 0 ? t("hold.expiresIn", { time: clock(left) }) : t("hold.expired")}</span>;
}

function BookingRow({ booking }: { booking: Booking }) {
  const { t, money, date } = useI18n();
  const queries = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => call(bookingOperations.cancel, { auth: true, params: { id: booking.booking_id } }),
    // The room's answer is the truth now; the list is read from Postgres, which catches up a moment
    // later, so refetching at once could show the hold again.
    onSuccess: (cancelled) => queries.setQueryData(["bookings"], (list: { bookings: Booking[] } | undefined) =>
      list && { ...list, bookings: list.bookings.map((b) => (b.booking_id === cancelled.booking_id ? cancelled : b)) }),
  });
  return (
    <li className="rounded-lg border border-slate-200 bg-white p-4" data-testid="booking">
      <p className="font-semibold"><Link to={`/events/${booking.event_id}`} className="text-indigo-800 underline">
        {bookedItems(booking)}</Link></p>
      <p><span data-testid="booking-status">{t(`status.${booking.status}` as MessageKey)}</span> · {t("bookings.total")} {money(booking.total_amount, booking.currency)} · {date(booking.created_at)}</p>
      {booking.status === "confirmed" && <p><Link to="/tickets" className="text-indigo-800 underline">{t("bookings.tickets")}</Link></p>}
      {booking.status === "reserved" && (
        <>
          <p><HoldTimer expiresAt={booking.expires_at} /></p>
          {cancel.error && <ProblemMessage error={cancel.error} onRetry={() => cancel.mutate()} />}
          <p className="mt-2 flex flex-wrap gap-3">
            <Link to={`/pay/${booking.booking_id}`} className="rounded bg-indigo-700 px-3 py-1 font-medium text-white hover:bg-indigo-800">{t("bookings.pay")}</Link>
            <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}
              className="rounded border border-red-800 px-3 py-1 text-red-800 hover:bg-red-50 disabled:opacity-60">{t("bookings.cancel")}</button>
          </p>
        </>
      )}
      {booking.status === "confirmed" && <RefundControl booking={booking} />}
    </li>
  );
}

export function BookingsPage() {
  const { t } = useI18n();
  // Refunds asked for here: the list is read again until they show as refunded.
  const asked = useMutationState({ filters: { mutationKey: ["refund"], status: "success" }, select: (m) => m.options.mutationKey?.[1] });
  const bookings = useQuery({
    queryKey: ["bookings"],
    queryFn: () => call(bookingOperations.list, { auth: true }),
    refetchInterval: (q) => (q.state.data?.bookings.some((b) => b.status === "confirmed" && asked.includes(b.booking_id)) ? REFUND_POLL_MS : false),
  });
  return (
    <section>
      <h1 className="mb-4 text-2xl font-bold">{t("bookings.title")}</h1>
      {bookings.error && <ProblemMessage error={bookings.error} onRetry={() => bookings.refetch()} />}
      {bookings.isPending && <p role="status">{t("common.loading")}</p>}
      {bookings.data?.bookings.length === 0 && <p>{t("bookings.empty")}</p>}
      <ul className="grid gap-3">{bookings.data?.bookings.map((b) => <BookingRow key={b.booking_id} booking={b} />)}</ul>
    </section>
  );
}
