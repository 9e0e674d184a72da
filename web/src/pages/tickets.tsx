import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { eventOperations } from "../../../src/contract/events";
import { ticketOperations } from "../../../src/contract/tickets";
import { call } from "../api/client";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { itemWords } from "../wallet/item-words";
import { useOfflineCopy } from "../offline-copy";
import { useOnline } from "../wallet/online";
import { savedTickets } from "../wallet/store";

interface Row { ticket_id: string; event_id: string; item_id: string; status: "valid" | "used" | "void" | "transferred"; title: string | null; received_at?: string | null | undefined }

function EventTitle({ eventId, known }: { eventId: string; known: string | null }) {
  const { t } = useI18n();
  const online = useOnline();
  const event = useQuery({ queryKey: ["event", eventId], queryFn: () => call(eventOperations.get, { params: { id: eventId } }), enabled: online && !known });
  return <>{known ?? event.data?.title ?? t("wallet.ticket")}</>;
}

function TicketRow({ row }: { row: Row }) {
  const { t } = useI18n();
  return (
    <li className="rounded-lg border border-slate-200 bg-white p-4" data-testid="wallet-ticket">
      <Link to={`/tickets/${row.ticket_id}`} className="font-semibold text-indigo-800 underline">
        {itemWords(row.item_id, t)}
      </Link>
      <p><EventTitle eventId={row.event_id} known={row.title} /> · <span data-testid="wallet-ticket-status">{t(`wallet.status.${row.status}`)}</span>
        {row.received_at && <> · <span data-testid="wallet-ticket-received">{t("wallet.received")}</span></>}</p>
    </li>
  );
}

/** The wallet: every ticket of my confirmed bookings; offline, the ones this phone has kept. */
export function TicketsPage() {
  useOfflineCopy();
  const { t } = useI18n();
  const online = useOnline();
  const list = useQuery({ queryKey: ["tickets"], queryFn: () => call(ticketOperations.list, { auth: true }), enabled: online });
  const kept = useQuery({ queryKey: ["wallet", "kept"], queryFn: savedTickets });
  const keptById = new Map((kept.data ?? []).map((k) => [k.ticket_id, k]));
  const rows: Row[] | undefined = online && !list.error
    ? list.data?.tickets.map((x) => {
      const k = keptById.get(x.ticket_id);
      // The list is Postgres's record (valid or void); "used" is what this phone last heard from the room.
      return { ...x, status: x.status === "valid" && k?.state.status === "used" ? "used" : x.status, title: k?.event_title ?? null };
    })
    : kept.data?.map((k) => ({ ...k, status: k.state.status, title: k.event_title }));
  return (
    <section>
      <h1 className="mb-4 text-2xl font-bold">{t("wallet.title")}</h1>
      {!online && <p className="mb-3 rounded border border-slate-300 bg-slate-100 p-2">{t("wallet.offlineList")}</p>}
      {online && list.error && <ProblemMessage error={list.error} onRetry={() => list.refetch()} />}
      {!rows && <p role="status">{t("common.loading")}</p>}
      {rows?.length === 0 && <p>{t("wallet.empty")}</p>}
      <ul className="grid gap-3">{rows?.map((r) => <TicketRow key={r.ticket_id} row={r} />)}</ul>
    </section>
  );
}
