import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { eventOperations } from "../../../src/contract/events";
import { queueOperations } from "../../../src/contract/queue";
import { call } from "../api/client";
import { ApiError } from "../api/problem";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { nextEstimate, progressPercent, secondsLeft, type Estimate } from "../queue/estimate";
import { queueTickets, type QueueTicket } from "../queue/ticket-store";
import { duration, useNow } from "../queue/use-now";

/** The status is answered at the edge from the signed token; every two seconds is well within what the API invites (one a second). */
const POLL_MS = 2000;

/**
 * The waiting room: join once (the place is kept in sessionStorage, so a reload keeps it), poll
 * the place, count the wait down honestly (queue/estimate.ts), and on admission go on to the
 * seat map by itself with the admission token. A 429 or 503 keeps the place and tries again
 * after the Retry-After the API sent.
 */
export function QueuePage() {
  const { id = "" } = useParams();
  const { t, date } = useI18n();
  const navigate = useNavigate();
  const now = useNow();
  const event = useQuery({ queryKey: ["event", id], queryFn: () => call(eventOperations.get, { params: { id } }) });
  const [ticket, setTicketState] = useState<QueueTicket | null>(() => queueTickets.ticket(id));
  const setTicket = (next: QueueTicket | null) => {
    if (next) queueTickets.saveTicket(id, next);
    else queueTickets.dropTicket(id);
    setTicketState(next);
  };
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  // Back from the seat map because the shopping time ran out (a refused hold, or an admission that
  // lapsed in this tab): said here until the next admission.
  const [sessionOver] = useState(() => {
    if (queueTickets.admissionEnded(id, Date.now())) queueTickets.endSession(id);
    return queueTickets.sessionOver(id);
  });

  const join = useMutation({
    mutationFn: () => call(queueOperations.join, { auth: true, params: { event_id: id } }),
    onSuccess: (j) => setTicket({ queue_token: j.queue_token, first_ahead: null }),
  });
  // One join per missing ticket (StrictMode runs effects twice; joining twice would only find the same place).
  const joining = useRef(false);
  const [expired, setExpired] = useState(false);
  useEffect(() => {
    if (ticket || expired || joining.current) return;
    joining.current = true;
    join.mutate(undefined, { onSettled: () => { joining.current = false; } });
  }, [ticket, expired]); // eslint-disable-line react-hooks/exhaustive-deps

  const status = useQuery({
    queryKey: ["queue-status", id, ticket?.queue_token],
    enabled: !!ticket,
    queryFn: async () => ({
      answer: await call(queueOperations.status, { params: { event_id: id }, headers: { Authorization: `Bearer ${ticket?.queue_token ?? ""}` } }),
      receivedAt: Date.now(),
    }),
    refetchInterval: (q) => {
      const e = q.state.error;
      if (e instanceof ApiError && e.transient) return Math.max(POLL_MS, (e.retryAfter ?? 5) * 1000);
      return q.state.data && q.state.data.answer.state !== "waiting" ? false : POLL_MS;
    },
    placeholderData: (previous) => previous, // a fresh token is a new key: keep showing the place meanwhile
    // The turn comes whether or not the tab is in front; the fan should find the seat map waiting.
    refetchIntervalInBackground: true,
  });

  useEffect(() => {
    const data = status.data;
    if (!data || !ticket) return;
    const s = data.answer;
    if (s.state === "admitted") {
      queueTickets.saveAdmission(id, { token: s.access_token, ends_at: s.session_ends_at });
      queueTickets.dropTicket(id);
      navigate(`/events/${id}`, { replace: true });
    } else if (s.state === "expired") {
      setExpired(true);
      setTicket(null);
    } else {
      setEstimate((shown) => nextEstimate(shown, s.estimated_wait_seconds, data.receivedAt));
      const fresh = "queue_token" in s && s.queue_token ? s.queue_token : ticket.queue_token;
      const firstAhead = ticket.first_ahead ?? s.ahead;
      if (fresh !== ticket.queue_token || firstAhead !== ticket.first_ahead) setTicket({ queue_token: fresh, first_ahead: firstAhead });
    }
  }, [status.data]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    // A token the API no longer takes (another line, or too old): the place is gone; join again.
    if (status.error instanceof ApiError && status.error.status === 401) setTicket(null);
  }, [status.error]); // eslint-disable-line react-hooks/exhaustive-deps

  const s = status.data?.answer;
  const busy = status.error instanceof ApiError && status.error.transient ? status.error : null;
  return (
    <section className="mx-auto max-w-xl">
      <h1 className="mb-2 text-2xl font-bold">{t("queue.title")}</h1>
      {event.data && <p className="mb-4">{t("queue.intro", { title: event.data.title })}</p>}
      {sessionOver && <p role="status" className="my-3 rounded border border-amber-300 bg-amber-50 p-3" data-testid="queue-session-over">{t("queue.backAfterSession")}</p>}
      {join.isPending && <p role="status">{t("queue.joining")}</p>}
      {join.error && <ProblemMessage error={join.error} onRetry={() => join.mutate()} />}
      {busy && <p role="status" className="my-3 rounded border border-amber-300 bg-amber-50 p-3">{t("queue.busy", { seconds: Math.max(POLL_MS / 1000, busy.retryAfter ?? 5) })}</p>}
      {status.error && !busy && !(status.error instanceof ApiError && status.error.status === 401) && <ProblemMessage error={status.error} onRetry={() => status.refetch()} />}
      {s?.state === "waiting" && s.position === null && <p data-testid="queue-opens">{t("queue.opensAt", { time: date(s.opens_at) })}</p>}
      {s?.state === "waiting" && s.position !== null && (() => {
        const left = estimate ? secondsLeft(estimate.at, now) : s.estimated_wait_seconds;
        const pct = progressPercent(ticket?.first_ahead ?? s.ahead, s.ahead);
        return (
          <div className="rounded-lg border border-slate-300 bg-white p-4">
            <dl className="grid grid-cols-2 gap-3 text-lg">
              <div><dt className="text-sm text-slate-700">{t("queue.position")}</dt><dd className="text-3xl font-bold" data-testid="queue-position">{s.position.toLocaleString()}</dd></div>
              <div><dt className="text-sm text-slate-700">{t("queue.ahead")}</dt><dd className="text-3xl font-bold" data-testid="queue-ahead">{t("queue.aheadValue", { n: s.ahead.toLocaleString() })}</dd></div>
              <div className="col-span-2"><dt className="text-sm text-slate-700">{t("queue.eta")}</dt>
                <dd className="text-2xl font-semibold" aria-live="off" data-testid="queue-eta">{left > 0 ? duration(left) : t("queue.etaSoon")}</dd></div>
            </dl>
            <p className="mt-2 text-sm text-slate-700">{t("queue.etaNote")}</p>
            {estimate?.grew && <p className="mt-1 text-sm text-amber-900">{t("queue.etaGrew")}</p>}
            <label htmlFor="queue-progress" className="mt-3 block text-sm font-medium">{t("queue.progress")} {pct}%</label>
            <progress id="queue-progress" max={100} value={pct} className="h-3 w-full" data-testid="queue-progress">{pct}%</progress>
          </div>
        );
      })()}
      {s?.state === "admitted" && <p role="status">{t("queue.admitted")}</p>}
      {expired && !ticket && (
        <div role="alert" className="my-3 rounded border border-amber-300 bg-amber-50 p-3">
          <p>{t("queue.expired")}</p>
          <button type="button" className="mt-2 rounded bg-indigo-700 px-3 py-1 text-white hover:bg-indigo-800" onClick={() => setExpired(false)}>{t("queue.joinAgain")}</button>
        </div>
      )}
      <p className="mt-4"><Link to="/" className="text-indigo-800 underline">{t("nav.home")}</Link></p>
    </section>
  );
}
