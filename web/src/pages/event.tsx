import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { Link, Navigate, useLocation, useNavigate, useParams } from "react-router";
import { bookingOperations } from "../../../src/contract/bookings";
import { eventOperations } from "../../../src/contract/events";
import { call } from "../api/client";
import { ApiError } from "../api/problem";
import { useSignedIn } from "../api/use-session";
import { categoryKey } from "../components/event-card";
import { buttonClass } from "../components/field";
import { HoldPanel, type Booking } from "../components/hold-panel";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { HELD, SELECTED, SOLD, tiersOf } from "../seat-map/colours";
import { layoutSeatMap } from "../seat-map/layout";
import { ListPicker } from "../seat-map/list-picker";
import { SeatCanvas, type SeatStatus } from "../seat-map/seat-canvas";
import { ShoppingSession } from "../queue/shopping-session";
import { queueTickets } from "../queue/ticket-store";

/**
 * Live seat status by polling GET /api/events/{id}/seats once a second while the page is
 * visible (TanStack Query pauses the interval in a hidden tab), not a WebSocket from the room:
 * the map is being cached at the edge for about a second, so thousands of fans looking at one
 * event cost the room one read a second instead of thousands of open sockets on its one thread,
 * and a seat someone else takes still changes colour within ~2 s. After a 429 or 503 the next
 * poll waits for the Retry-After the API sent.
 */
const POLL_MS = 1000;

export function EventPage() {
  const { id = "" } = useParams();
  const { t, money, date } = useI18n();
  const here = useLocation();
  const signedIn = useSignedIn();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const event = useQuery({ queryKey: ["event", id], queryFn: () => call(eventOperations.get, { params: { id } }) });
  const seats = useQuery({
    queryKey: ["seats", id],
    queryFn: () => call(eventOperations.seats, { params: { id } }),
    refetchInterval: (q) => {
      const e = q.state.error;
      return e instanceof ApiError && e.transient ? Math.max(POLL_MS, (e.retryAfter ?? 5) * 1000) : POLL_MS;
    },
  });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [hold, setHold] = useState<Booking | null>(null);
  const [quantity, setQuantity] = useState<Record<string, number>>({});

  const layout = useMemo(() => (event.data ? layoutSeatMap(event.data.seat_map) : null), [event.data]);
  const status = useMemo(() => new Map<string, SeatStatus>(seats.data?.seats.map((s) => [s.seat_id, s.status]) ?? []), [seats.data]);
  const tiers = useMemo(() => tiersOf([...(event.data?.seat_map.sections.map((s) => s.price) ?? []), ...(event.data?.seat_map.areas.map((a) => a.price) ?? [])]), [event.data]);
  const tierColour = useCallback((price: number) => tiers.find((x) => x.price === price)?.colour ?? SOLD, [tiers]);
  const toggle = useCallback((seat: string) => setSelected((prev) => {
    const next = new Set(prev);
    if (!next.delete(seat)) next.add(seat);
    return next;
  }), []);

  // With a waiting room, booking needs the admission token the queue page keeps (queue/ticket-store.ts).
  const admission = queueTickets.admission(id, Date.now());
  const reserve = useMutation({
    mutationFn: (body: { event_id: string; seat_ids: string[] } | { event_id: string; area: string; quantity: number }) =>
      // A key per attempt: a retried request after a dropped answer cannot hold twice.
      call(bookingOperations.create, { auth: true, body, headers: { "Idempotency-Key": crypto.randomUUID(), ...(admission ? { "Admission-Token": admission.token } : {}) } }),
    onSuccess: (b) => {
      // Booking ends the shopping session (the API's rule); more seats mean queueing again.
      queueTickets.dropAdmission(id);
      setHold(b);
      setSelected(new Set());
      void queries.invalidateQueries({ queryKey: ["seats", id] });
      void queries.invalidateQueries({ queryKey: ["bookings"] });
    },
    onError: (e) => {
      // No (or no longer a) admission: back to the line, where the place is kept or taken anew.
      // A refused admission this tab held means its shopping time is over (an expired token reads as none): the waiting page says so.
      if (e instanceof ApiError && (e.code === "queue_required" || e.code === "admission_expired")) {
        if (e.code === "admission_expired" || queueTickets.hasAdmission(id)) queueTickets.endSession(id);
        navigate(`/events/${id}/queue`);
        return;
      }
      // Seats someone else took first leave the selection; the map shows them taken at once.
      if (e instanceof ApiError && e.problem?.unavailable_seats) {
        const gone = new Set(e.problem.unavailable_seats);
        setSelected((prev) => new Set([...prev].filter((s) => !gone.has(s))));
      }
      void seats.refetch();
    },
  });

  if (event.error) return <ProblemMessage error={event.error} onRetry={() => event.refetch()} />;
  if (!event.data || !layout) return <p role="status">{t("common.loading")}</p>;
  const e = event.data;
  const counts = { available: 0, held: 0, sold: 0 };
  for (const s of seats.data?.seats ?? []) counts[s.status]++;
  for (const a of seats.data?.areas ?? []) counts.available += a.available;
  const total = [...selected].reduce((sum, s) => sum + (seats.data?.seats.find((x) => x.seat_id === s)?.price ?? 0), 0);
  const loginLink = `/login?next=${encodeURIComponent(here.pathname)}`;
  // A sale with a waiting room: a signed-in fan without an admission lands on the waiting page.
  if (e.waiting_room && signedIn && !admission && !hold) return <Navigate to={`/events/${id}/queue`} replace />;

  return (
    <article>
      <h1 className="text-3xl font-bold">{e.title}</h1>
      <p className="text-slate-700">{t(categoryKey(e.category))}</p>
      <dl className="my-4 grid gap-2 sm:grid-cols-2">
        <div><dt className="font-semibold">{t("event.venue")}</dt><dd>{e.venue} · {e.location}</dd></div>
        <div><dt className="font-semibold">{t("event.dates")}</dt><dd>{date(e.start_date)}{e.end_date ? ` – ${date(e.end_date)}` : ""}</dd></div>
      </dl>
      {e.description && <p className="mb-4 whitespace-pre-line">{e.description}</p>}

      <section aria-labelledby="tiers" className="mb-4">
        <h2 id="tiers" className="text-xl font-semibold">{t("event.tiers")}</h2>
        <ul className="flex flex-wrap gap-3">
          {tiers.map((tier) => (
            <li key={tier.price} className="flex items-center gap-1">
              <svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill={tier.colour} /></svg>
              {money(tier.price, e.currency)}
            </li>
          ))}
          <li className="flex items-center gap-1"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill={HELD} /></svg>{t("event.held")}</li>
          <li className="flex items-center gap-1"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill={SOLD} /></svg>{t("event.sold")}</li>
          <li className="flex items-center gap-1"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill={SELECTED} /></svg>{t("event.selected")}</li>
        </ul>
      </section>

      <section aria-labelledby="availability" className="mb-4">
        <h2 id="availability" className="text-xl font-semibold">{t("event.availability")}</h2>
        {seats.error && <ProblemMessage error={seats.error} onRetry={() => seats.refetch()} />}
        <p data-testid="availability">{t("event.available")} {counts.available} · {t("event.held")} {counts.held} · {t("event.sold")} {counts.sold}</p>
      </section>

      {e.waiting_room && !signedIn && <p className="my-3 rounded border border-indigo-300 bg-indigo-50 p-3">{t("queue.hasWaitingRoom")} <Link to={loginLink} className="text-indigo-800 underline">{t("queue.loginToJoin")}</Link></p>}
      {admission && !hold && <ShoppingSession eventId={id} admission={admission} />}
      {hold && <HoldPanel booking={hold} />}
      {reserve.error && <ProblemMessage error={reserve.error} onRetry={() => reserve.reset()} />}

      {layout.sections.length > 0 && (
        <section aria-labelledby="seat-map" className="mb-6 grid gap-4">
          <h2 id="seat-map" className="text-xl font-semibold">{t("event.seatMap")}</h2>
          <p className="text-sm text-slate-700">{t("event.mapHint")}</p>
          <SeatCanvas layout={layout} status={status} tierColour={tierColour} selected={selected} onToggle={toggle} />
          <ListPicker layout={layout} status={status} selected={selected} onToggle={toggle} currency={e.currency} />
          <div className="rounded-lg border border-slate-300 bg-white p-4" aria-live="polite">
            <h3 className="font-semibold">{t("event.selection")}</h3>
            <p data-testid="selection">{selected.size ? [...selected].join(", ") : t("event.noSelection")}</p>
            {selected.size > 0 && <p>{t("event.total")} {money(total, e.currency)}</p>}
          </div>
          {signedIn
            ? <button type="button" className={buttonClass} disabled={selected.size === 0 || reserve.isPending}
                onClick={() => reserve.mutate({ event_id: e.event_id, seat_ids: [...selected] })}>{t("event.hold")}</button>
            : <p><Link to={loginLink} className="text-indigo-800 underline">{t("event.loginToHold")}</Link></p>}
        </section>
      )}

      {(seats.data?.areas.length ?? 0) > 0 && (
        <section aria-labelledby="areas" className="mb-6">
          <h2 id="areas" className="text-xl font-semibold">{t("event.area")}</h2>
          <ul className="grid gap-3">
            {seats.data?.areas.map((a) => {
              const n = Math.min(quantity[a.name] ?? 1, Math.max(1, a.available));
              return (
                <li key={a.name} className="flex flex-wrap items-end gap-3 rounded border border-slate-300 bg-white p-3">
                  <span className="font-semibold">{a.name}</span>
                  <span>{money(a.price, e.currency)} · {t("common.seatsLeft", { n: a.available })}</span>
                  <div className="flex flex-col text-sm"><label htmlFor={`qty-${a.name}`}>{t("event.quantity")}</label>
                    <input id={`qty-${a.name}`} type="number" min={1} max={Math.max(1, a.available)} value={n}
                      onChange={(ev) => setQuantity((q) => ({ ...q, [a.name]: Math.max(1, Number(ev.target.value) || 1) }))}
                      className="w-20 rounded border border-slate-400 px-2 py-1" />
                  </div>
                  {signedIn && (
                    <button type="button" className={buttonClass} disabled={a.available === 0 || reserve.isPending}
                      onClick={() => reserve.mutate({ event_id: e.event_id, area: a.name, quantity: n })}>
                      {t("event.holdArea", { area: a.name, n })}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </article>
  );
}
