import { Link } from "react-router";
import { useI18n } from "../i18n/i18n";
import { secondsLeft } from "./estimate";
import type { Admission } from "./ticket-store";
import { duration, useNow } from "./use-now";

/** The admitted fan's shopping time, counting down; once over, the way back to the line. */
export function ShoppingSession({ eventId, admission }: { eventId: string; admission: Admission }) {
  const { t } = useI18n();
  const left = secondsLeft(Date.parse(admission.ends_at), useNow());
  return left > 0
    ? <p className="my-3 rounded border border-indigo-300 bg-indigo-50 p-3 font-semibold" aria-live="off" data-testid="shopping-session">{t("queue.session", { time: duration(left) })}</p>
    : <p role="alert" className="my-3 rounded border border-amber-300 bg-amber-50 p-3">{t("queue.sessionOver")} <Link to={`/events/${eventId}/queue`} className="text-indigo-800 underline">{t("queue.joinAgain")}</Link></p>;
}
