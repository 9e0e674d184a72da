import { useQuery } from "@tanstack/react-query";
import { eventOperations } from "../../../src/contract/events";
import { call } from "../api/client";
import { EventCard } from "../components/event-card";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";

export function HomePage() {
  const { t } = useI18n();
  // Upcoming only: from now on (the API lists published events soonest first).
  const events = useQuery({
    queryKey: ["events", "upcoming"],
    queryFn: () => call(eventOperations.list, { query: { from: new Date().toISOString(), page_size: 24 } }),
  });
  return (
    <section>
      <h1 className="mb-4 text-2xl font-bold">{t("home.title")}</h1>
      {events.error && <ProblemMessage error={events.error} onRetry={() => events.refetch()} />}
      {events.isPending && <p role="status">{t("common.loading")}</p>}
      {events.data && events.data.events.length === 0 && <p>{t("home.empty")}</p>}
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {events.data?.events.map((e) => <EventCard key={e.event_id} event={e} />)}
      </ul>
    </section>
  );
}
