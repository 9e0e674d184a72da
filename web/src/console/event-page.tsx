import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { eventOperations } from "../../../src/contract/events";
import { call } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { eventStatusKey, EventProblem } from "./access";
import { EventActions } from "./event-actions";
import { EventEditor } from "./event-editor";
import { GateAccounts } from "./gate-accounts";

/** /organizer/events/new */
export function NewEventPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <section>
      <h1 className="mb-4 text-2xl font-bold">{t("console.editor.newTitle")}</h1>
      <EventEditor event={null} onSaved={(e) => navigate(`/organizer/events/${e.event_id}`)} />
    </section>
  );
}

/** /organizer/events/:id: the event's form (while it may change), publish and cancel, and links to its other console pages. */
export function ConsoleEventPage() {
  const { id = "" } = useParams();
  const { t } = useI18n();
  // Read with the token: a draft is visible only to its organizer.
  const event = useQuery({ queryKey: ["console-event", id], queryFn: () => call(eventOperations.get, { auth: true, params: { id } }) });
  // The stats call says whether this account manages the event (a published event is public, its console is not).
  const owned = useQuery({ queryKey: ["console-stats", id], queryFn: () => call(eventOperations.stats, { auth: true, params: { id } }) });
  if (event.error) return <EventProblem error={event.error} onRetry={() => event.refetch()} />;
  if (owned.error) return <EventProblem error={owned.error} onRetry={() => owned.refetch()} />;
  if (!event.data || !owned.data) return <p role="status">{t("common.loading")}</p>;
  const e = event.data;
  return (
    <section>
      <div className="mb-2 flex flex-wrap items-baseline gap-3">
        <h1 className="text-2xl font-bold">{t("console.editor.editTitle")}: {e.title}</h1>
        <span className="rounded bg-slate-200 px-2 py-0.5 text-sm" data-testid="event-status">{t(eventStatusKey(e.status))}</span>
      </div>
      <nav aria-label={t("console.nav")} className="mb-4 flex flex-wrap gap-3">
        <Link to={`/organizer/events/${e.event_id}/sales`} className="text-indigo-800 underline">{t("console.sales")}</Link>
        <Link to={`/organizer/events/${e.event_id}/live`} className="text-indigo-800 underline">{t("console.live")}</Link>
        <Link to={`/organizer/events/${e.event_id}/check-in`} className="text-indigo-800 underline">{t("console.checkIn")}</Link>
        {e.status !== "draft" && <Link to={`/events/${e.event_id}`} className="text-indigo-800 underline">{t("console.viewAsFan")}</Link>}
      </nav>
      <EventActions event={e} />
      {e.status === "published" && <GateAccounts eventId={e.event_id} />}
      {/* Keyed by version: a saved or published event starts the form from what the API answered. */}
      <EventEditor key={`${e.event_id}-${e.updated_at}-${e.status}`} event={e} onSaved={() => undefined} />
    </section>
  );
}
