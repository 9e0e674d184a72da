import { useEffect, useState } from "react";
import { Link } from "react-router";
import type { z } from "zod";
import type { bookingSchema } from "../../../src/contract/bookings";
import { useI18n } from "../i18n/i18n";

export type Booking = z.output<typeof bookingSchema>;

/** Seconds left until `iso`, ticking once a second (never below zero). */
export function useSecondsLeft(iso: string): number {
  const left = () => Math.max(0, Math.ceil((Date.parse(iso) - Date.now()) / 1000));
  const [s, setS] = useState(left);
  useEffect(() => {
    const id = setInterval(() => setS(left()), 1000);
    return () => clearInterval(id);
  }, [iso]); // eslint-disable-line react-hooks/exhaustive-deps
  return s;
}

export const clock = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

/** What a booking holds, in one line: its seats, or the area and how many. */
export const bookedItems = (b: Pick<Booking, "seats" | "area" | "quantity">): string =>
  b.seats.length ? b.seats.join(", ") : `${b.area ?? ""} × ${b.quantity ?? 0}`;

/** A hold just made: what is held, for how long, and that payment is the next step. */
export function HoldPanel({ booking }: { booking: Booking }) {
  const { t, money } = useI18n();
  const left = useSecondsLeft(booking.expires_at);
  return (
    <section aria-labelledby="hold-title" className="my-4 rounded-lg border-2 border-indigo-700 bg-indigo-50 p-4">
      <h2 id="hold-title" className="text-xl font-bold">{t("hold.title")}</h2>
      <p>{bookedItems(booking)} · {money(booking.total_amount, booking.currency)}</p>
      {left > 0
        // Announced politely, not every second: the timer is read when the reader asks.
        ? <p className="text-lg font-semibold" aria-live="off" data-testid="hold-countdown">{t("hold.expiresIn", { time: clock(left) })}</p>
        : <p role="alert">{t("hold.expired")}</p>}
      {left > 0 && <p>{t("pay.next")}</p>}
      <p className="mt-2 flex flex-wrap items-center gap-4">
        {left > 0 && <Link to={`/pay/${booking.booking_id}`} className="rounded bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800">{t("pay.now")}</Link>}
        <Link to="/bookings" className="text-indigo-800 underline">{t("nav.bookings")}</Link>
      </p>
    </section>
  );
}
