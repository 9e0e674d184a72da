import { Link } from "react-router";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/messages";

export interface EventCardData {
  event_id: string; title: string; venue: string; category: string; start_date: string; currency: string; min_price: number;
  seatsLeft?: number | null;
}

export const categoryKey = (c: string): MessageKey => `category.${c}` as MessageKey;

export function EventCard({ event }: { event: EventCardData }) {
  const { t, money, date } = useI18n();
  return (
    <li className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <Link to={`/events/${event.event_id}`} className="text-lg font-semibold text-indigo-800 underline-offset-2 hover:underline">{event.title}</Link>
      <p className="text-sm text-slate-700">{t(categoryKey(event.category))} · {event.venue}</p>
      <p className="text-sm">{date(event.start_date)}</p>
      <p className="text-sm">{t("common.from")} {money(event.min_price, event.currency)}
        {event.seatsLeft != null && <> · {t("common.seatsLeft", { n: event.seatsLeft })}</>}</p>
    </li>
  );
}
