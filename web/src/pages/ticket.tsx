import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { QRCodeSVG } from "qrcode.react";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../api/problem";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { itemWords } from "../wallet/item-words";
import { useOfflineCopy } from "../offline-copy";
import { useOnline } from "../wallet/online";
import { ROTATE_MS, useRotatingCode, type RotatingCode } from "../wallet/rotating-code";
import { savedTicketOf, type SavedTicket } from "../wallet/store";
import { bindHere, shownAs, syncTicket } from "../wallet/sync";

/** Re-reads the ticket's state this often while the page is open and online (used, moved, refunded). */
const STATE_POLL_MS = 5_000;

/** The time now, ticking: the visible sign that the code is live and not a screenshot. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function LiveCode({ code, label }: { code: RotatingCode; label: string }) {
  const { t, lang } = useI18n();
  const now = useNow(250);
  const left = Math.max(0, 1 - (now - code.madeAt) / ROTATE_MS);
  const clock = new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return (
    <figure className="mx-auto w-fit rounded-xl border border-slate-200 bg-white p-4">
      <div data-testid="ticket-code" data-code={code.code} data-made-at={code.madeAt}>
        {/* The svg is role="img"; its <title> is its name for screen readers. */}
        <QRCodeSVG value={code.code} size={272} level="M" marginSize={4} title={t("wallet.qrLabel", { seat: label })} />
      </div>
      {/* Moves all the time: a bar running down to the next code and a ticking clock. */}
      <div aria-hidden="true" className="mt-3 h-2 w-full overflow-hidden rounded bg-slate-200">
        <div className="h-full bg-indigo-700 transition-[width] duration-200 ease-linear" style={{ width: `${Math.round(left * 100)}%` }} />
      </div>
      <figcaption className="mt-2 text-center">
        <span className="block text-xl font-bold" data-testid="ticket-seat">{label}</span>
        <span className="flex items-center justify-center gap-2 font-mono text-lg" data-testid="ticket-clock">
          <span aria-hidden="true" className="inline-block h-3 w-3 rounded-full bg-emerald-600 motion-safe:animate-ping" />
          {clock.format(now)}
        </span>
        <span className="block text-sm text-slate-700">{t("wallet.renewed", { time: clock.format(code.madeAt) })}</span>
      </figcaption>
    </figure>
  );
}

function TicketView({ ticket, online }: { ticket: SavedTicket; online: boolean }) {
  const { t, date } = useI18n();
  const queries = useQueryClient();
  const shown = shownAs(ticket);
  const label = itemWords(ticket.item_id, t);
  const { current, failed } = useRotatingCode(shown === "valid" || shown === "used" ? ticket.core : null);
  const rebind = useMutation({
    mutationFn: () => bindHere(ticket),
    onSuccess: (next) => queries.setQueryData(["wallet", ticket.ticket_id, "live"], next),
  });
  return (
    <div className="grid gap-4" data-testid="ticket" data-state={shown}>
      <div>
        <h1 className="text-2xl font-bold">{ticket.event_title ?? t("wallet.ticket")}</h1>
        {ticket.event_start && <p className="text-slate-700">{date(ticket.event_start)}</p>}
        {ticket.received_at && <p className="text-slate-700" data-testid="ticket-received">{t("wallet.receivedAt", { time: date(ticket.received_at) })}</p>}
      </div>
      {shown === "used" && (
        <p className="rounded-lg border border-slate-300 bg-slate-100 p-3 font-semibold" data-testid="ticket-status">
          {ticket.state.checked_in_at ? t("wallet.usedAt", { time: date(ticket.state.checked_in_at) }) : t("wallet.used")}
        </p>
      )}
      {shown === "void" && <p className="rounded-lg border border-red-300 bg-red-50 p-3 font-semibold text-red-900" data-testid="ticket-status">{t("wallet.void")}</p>}
      {shown === "transferred" && <p className="rounded-lg border border-slate-300 bg-slate-100 p-3 font-semibold" data-testid="ticket-status">{t("wallet.transferred")}</p>}
      {shown === "moved" && (
        <div className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-amber-950" data-testid="ticket-status">
          <p className="font-semibold">{t("wallet.moved")}</p>
          {online && (
            <button type="button" onClick={() => rebind.mutate()} disabled={rebind.isPending}
              className="mt-2 rounded bg-amber-800 px-3 py-1 text-white hover:bg-amber-900 disabled:opacity-60">{t("wallet.bindHere")}</button>
          )}
        </div>
      )}
      {shown === "unbound" && <p className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-amber-950" data-testid="ticket-status">{t("wallet.openOnline")}</p>}
      {rebind.error && <WalletProblem error={rebind.error} onRetry={() => rebind.mutate()} />}
      {(shown === "valid" || shown === "used") && (
        current ? <LiveCode code={current} label={label} />
          : failed ? <p role="alert">{t("wallet.codeFailed")}</p> : <p role="status">{t("common.loading")}</p>
      )}
      {(shown === "moved" || shown === "void" || shown === "transferred" || shown === "unbound") && <p className="text-xl font-bold" data-testid="ticket-seat">{label}</p>}
      {shown === "valid" && <p>{t("wallet.showAtGate")}</p>}
      <p className="text-sm text-slate-700" data-testid="ticket-checked">
        {online ? t("wallet.checkedAt", { time: date(new Date(ticket.checked_at).toISOString()) })
          : t("wallet.offline", { time: date(new Date(ticket.checked_at).toISOString()) })}
      </p>
    </div>
  );
}

/** The API's refusals that only the wallet meets, in plain words; the rest as everywhere else. */
function WalletProblem({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useI18n();
  if (error instanceof ApiError && error.code === "rebind_limit") return <p role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-3">{t("wallet.rebindLimit")}</p>;
  if (error instanceof ApiError && error.code === "ticket_revoked") return <p role="alert" className="rounded-lg border border-red-300 bg-red-50 p-3">{t("wallet.void")}</p>;
  return <ProblemMessage error={error} onRetry={onRetry} />;
}

export function TicketPage() {
  useOfflineCopy();
  const { t } = useI18n();
  const { id = "" } = useParams();
  const online = useOnline();
  // What this phone kept (works with no network), then the API's answer when there is one.
  const saved = useQuery({ queryKey: ["wallet", id, "saved"], queryFn: () => savedTicketOf(id), staleTime: Infinity });
  const live = useQuery({
    queryKey: ["wallet", id, "live"], queryFn: () => syncTicket(id), enabled: online,
    refetchInterval: STATE_POLL_MS, refetchIntervalInBackground: false,
  });
  const ticket = live.data ?? saved.data ?? null;
  const offlineMiss = live.error instanceof ApiError && live.error.status === 0;
  return (
    <section className="grid gap-4">
      <p><Link to="/tickets" className="text-indigo-800 underline">{t("wallet.back")}</Link></p>
      {live.error && !(offlineMiss && ticket) && <WalletProblem error={live.error} onRetry={() => live.refetch()} />}
      {ticket ? <TicketView ticket={ticket} online={online && !offlineMiss} />
        : (saved.isPending || live.isFetching) ? <p role="status">{t("common.loading")}</p>
          : !online && <p role="alert">{t("wallet.notSaved")}</p>}
    </section>
  );
}
