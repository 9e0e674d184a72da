import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Navigate, NavLink, useLocation } from "react-router";
import { authOperations } from "../../../src/contract/auth";
import { call } from "../api/client";
import { ApiError } from "../api/problem";
import { session } from "../api/session";
import { useSignedIn } from "../api/use-session";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";

/** The signed-in account's role (the API decides access regardless; this only chooses what to show). */
export function useRole() {
  const signedIn = useSignedIn();
  const me = useQuery({
    queryKey: ["me"],
    queryFn: async () => {
      const answer = await call(authOperations.me, { auth: true });
      session.rememberAccount({ role: answer.user.role, gateEventId: answer.gate_event_id ?? null });
      return answer;
    },
    enabled: signedIn, staleTime: 60_000,
  });
  // Offline (or before the first answer) the account as last seen: a gate phone reloaded at the door keeps its navigation.
  const known = signedIn && !me.data ? session.account() : null;
  return {
    signedIn, role: me.data?.user.role ?? known?.role, gateEventId: me.data ? me.data.gate_event_id ?? null : known?.gateEventId ?? null,
    error: me.error, refetch: me.refetch,
  };
}

const isStaff = (role: string | undefined) => role === "organizer" || role === "admin";

/** A page that says, in plain words, that this is not for this account. */
export function Refusal({ reason }: { reason: "role" | "event" }) {
  const { t } = useI18n();
  return (
    <section className="mx-auto max-w-lg rounded-lg border border-amber-300 bg-amber-50 p-6 text-amber-950" data-testid="console-refused">
      <h1 className="mb-2 text-2xl font-bold">{t("console.refused.title")}</h1>
      <p>{t(reason === "role" ? "console.refused.body" : "console.refused.event")}</p>
    </section>
  );
}

/** An API refusal of one event (403, or 404 for someone else's draft) as the refusal page; anything else as a problem. */
export function EventProblem({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return <Refusal reason="event" />;
  return <ProblemMessage error={error} onRetry={onRetry} />;
}

/** Console pages: signed-out visitors log in first; fans get the refusal page. */
export function OrganizerOnly({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { signedIn, role, error, refetch } = useRole();
  const here = useLocation();
  if (!signedIn) return <Navigate to={`/login?next=${encodeURIComponent(here.pathname + here.search)}`} replace />;
  if (error) return <ProblemMessage error={error} onRetry={() => refetch()} />;
  if (!role) return <p role="status">{t("common.loading")}</p>;
  return isStaff(role) ? children : <Refusal reason="role" />;
}

/** The console's entry in the main navigation, for organizers and admins only. */
export function ConsoleNavLink({ className }: { className: (s: { isActive: boolean }) => string }) {
  const { t } = useI18n();
  const { role } = useRole();
  return isStaff(role) ? <NavLink to="/organizer" className={className}>{t("console.nav")}</NavLink> : null;
}

/** A gate account's way to its scanner: a link in the navigation, and its home page is the scanner. */
export function GateNavLink({ className }: { className: (s: { isActive: boolean }) => string }) {
  const { t } = useI18n();
  const { gateEventId } = useRole();
  const here = useLocation();
  if (!gateEventId) return null;
  if (here.pathname === "/") return <Navigate to={`/gate/${gateEventId}`} replace />;
  return <NavLink to={`/gate/${gateEventId}`} className={className}>{t("gate.nav")}</NavLink>;
}

export const eventStatusKey = (s: "draft" | "published" | "cancelled") => `console.eventStatus.${s}` as const;
