import { useQueryClient } from "@tanstack/react-query";
import { Link, NavLink, Outlet, useNavigate } from "react-router";
import { authOperations } from "../../../src/contract/auth";
import { call } from "../api/client";
import { session } from "../api/session";
import { useSignedIn } from "../api/use-session";
import { useI18n } from "../i18n/i18n";
import { LANGUAGES } from "../i18n/messages";
import { ConsoleNavLink, GateNavLink, useRole } from "../console/access";
import { forgetWallet } from "../wallet/store";
import { ErrorBoundary } from "./error-boundary";
import { ProblemMessage } from "./problem-message";

const navClass = ({ isActive }: { isActive: boolean }) => `rounded px-2 py-1 hover:bg-indigo-100 ${isActive ? "font-semibold text-indigo-900" : "text-slate-800"}`;

export function Layout() {
  const { t, lang, setLang } = useI18n();
  const signedIn = useSignedIn();
  // A gate account buys nothing and has no profile: its navigation is the scanner.
  const { role } = useRole();
  const fan = signedIn && role !== "gate";
  const navigate = useNavigate();
  const queries = useQueryClient();
  const logout = async () => {
    const refresh_token = session.refresh();
    // Sign the session out on the server too; if that fails the tokens are dropped here anyway.
    if (refresh_token) await call(authOperations.logout, { body: { refresh_token } }).catch(() => undefined);
    session.clear();
    queries.clear();
    await forgetWallet().catch(() => undefined); // nothing of the account stays on the phone
    navigate("/");
  };
  return (
    <div className="min-h-screen bg-slate-50 text-slate-900">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-3 px-4 py-3">
          <Link to="/" className="text-lg font-bold text-indigo-800">{t("app.name")}</Link>
          <nav aria-label={t("nav.main")} className="flex flex-1 flex-wrap gap-1">
            <NavLink to="/" end className={navClass}>{t("nav.home")}</NavLink>
            <NavLink to="/search" className={navClass}>{t("nav.search")}</NavLink>
            {fan && <NavLink to="/bookings" className={navClass}>{t("nav.bookings")}</NavLink>}
            {fan && <NavLink to="/tickets" className={navClass}>{t("nav.tickets")}</NavLink>}
            {fan && <NavLink to="/profile" className={navClass}>{t("nav.profile")}</NavLink>}
            {signedIn && <ConsoleNavLink className={navClass} />}
            {signedIn && <GateNavLink className={navClass} />}
            {!signedIn && <NavLink to="/login" className={navClass}>{t("nav.login")}</NavLink>}
            {!signedIn && <NavLink to="/register" className={navClass}>{t("nav.register")}</NavLink>}
            {signedIn && <button type="button" onClick={logout} className="rounded px-2 py-1 text-slate-800 hover:bg-indigo-100">{t("nav.logout")}</button>}
          </nav>
          <div className="flex items-center gap-1 text-sm">
            <label htmlFor="language">{t("lang.label")}</label>
            <select id="language" value={lang} onChange={(e) => setLang(LANGUAGES.find((l) => l === e.target.value) ?? "ko")}
              className="rounded border border-slate-300 bg-white px-1 py-0.5">
              {LANGUAGES.map((l) => <option key={l} value={l}>{l === "ko" ? "한국어" : "English"}</option>)}
            </select>
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-5xl px-4 py-6">
        <ErrorBoundary fallback={(reset) => <ProblemMessage error={null} onRetry={reset} />}>
          <Outlet />
        </ErrorBoundary>
      </main>
      <footer className="mx-auto max-w-5xl px-4 py-6 text-sm text-slate-700">
        {/* The Worker's own pages stay one click away (they are not part of the app). */}
        <a href="/api/docs" className="underline">{t("nav.apiDocs")}</a>
      </footer>
    </div>
  );
}
