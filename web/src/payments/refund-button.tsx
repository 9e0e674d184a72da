import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { paymentOperations } from "../../../src/contract/payments";
import { call } from "../api/client";
import type { Booking } from "../components/hold-panel";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { useNow } from "../queue/use-now";

/**
 * A confirmed booking's refund, while its event's refund window is open (the API's
 * `refund_closes_at`; the server decides, this only saves a pointless click). Asked twice, since
 * a refund gives the seats up. Outside the window, the date it closed and why.
 */
export function RefundControl({ booking }: { booking: Booking }) {
  const { t, money, date } = useI18n();
  const queries = useQueryClient();
  const now = useNow(30_000);
  const [asking, setAsking] = useState(false);
  const refund = useMutation({
    mutationKey: ["refund", booking.booking_id],
    mutationFn: () => call(paymentOperations.refund, { auth: true, params: { booking_id: booking.booking_id } }),
    // The list catches up from Postgres once the provider reports the money back.
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["bookings"] }),
  });
  if (refund.data) {
    return <p role="status" data-testid="refund-state">{refund.data.refund === "completed" ? t("bookings.refundDone") : t("bookings.refundPending")}</p>;
  }
  const closes = booking.refund_closes_at;
  if (closes && Date.parse(closes) <= now) return <p data-testid="refund-closed">{t("bookings.refundClosed", { date: date(closes) })}</p>;
  return (
    <div className="mt-2">
      {closes && <p className="text-sm text-slate-700">{t("bookings.refundUntil", { date: date(closes) })}</p>}
      {refund.error && <ProblemMessage error={refund.error} onRetry={() => refund.mutate()} />}
      {asking ? (
        <div role="group" aria-label={t("bookings.refund")} className="flex flex-wrap items-center gap-2">
          <span>{t("bookings.refundConfirm", { amount: money(booking.total_amount, booking.currency) })}</span>
          <button type="button" onClick={() => refund.mutate()} disabled={refund.isPending}
            className="rounded bg-red-800 px-3 py-1 text-white hover:bg-red-900 disabled:opacity-60">{t("bookings.refundYes")}</button>
          <button type="button" onClick={() => setAsking(false)} className="rounded border border-slate-500 px-3 py-1">{t("bookings.refundNo")}</button>
        </div>
      ) : (
        <button type="button" onClick={() => setAsking(true)}
          className="rounded border border-red-800 px-3 py-1 text-red-800 hover:bg-red-50">{t("bookings.refund")}</button>
      )}
    </div>
  );
}
