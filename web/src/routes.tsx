import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, useLocation, type RouteObject } from "react-router";
import { useSignedIn } from "./api/use-session";
import { Layout } from "./components/layout";
import { HomePage } from "./pages/home";
import { LoginPage, RegisterPage } from "./pages/auth";
import { NotFoundPage } from "./pages/not-found";
import { useI18n } from "./i18n/i18n";
import { OrganizerOnly } from "./console/access";

// The seat map and the signed-in pages load on demand: the home page ships only what it draws.
const EventPage = lazy(() => import("./pages/event").then((m) => ({ default: m.EventPage })));
const SearchPage = lazy(() => import("./pages/search").then((m) => ({ default: m.SearchPage })));
const BookingsPage = lazy(() => import("./pages/bookings").then((m) => ({ default: m.BookingsPage })));
const TicketsPage = lazy(() => import("./pages/tickets").then((m) => ({ default: m.TicketsPage })));
const TicketPage = lazy(() => import("./pages/ticket").then((m) => ({ default: m.TicketPage })));
const ProfilePage = lazy(() => import("./pages/profile").then((m) => ({ default: m.ProfilePage })));
// The organizer's console (web/src/console): its own chunks, behind OrganizerOnly.
const ConsoleEventsPage = lazy(() => import("./console/events-page").then((m) => ({ default: m.ConsoleEventsPage })));
const NewEventPage = lazy(() => import("./console/event-page").then((m) => ({ default: m.NewEventPage })));
const ConsoleEventPage = lazy(() => import("./console/event-page").then((m) => ({ default: m.ConsoleEventPage })));
const SalesPage = lazy(() => import("./console/sales-page").then((m) => ({ default: m.SalesPage })));
const LivePage = lazy(() => import("./pages/live").then((m) => ({ default: m.LivePage })));
const CheckInPage = lazy(() => import("./pages/check-in").then((m) => ({ default: m.CheckInPage })));
const GatePage = lazy(() => import("./pages/gate").then((m) => ({ default: m.GatePage })));
const PayPage = lazy(() => import("./pages/pay").then((m) => ({ default: m.PayPage })));
const QueuePage = lazy(() => import("./pages/queue").then((m) => ({ default: m.QueuePage })));

function Loading() {
  const { t } = useI18n();
  return <p role="status">{t("common.loading")}</p>;
}
const later = (node: ReactNode) => <Suspense fallback={<Loading />}>{node}</Suspense>;

/** Pages for signed-in fans: anyone else goes to the login page and comes back afterwards. */
function SignedIn({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn();
  const here = useLocation();
  return signedIn ? children : <Navigate to={`/login?next=${encodeURIComponent(here.pathname + here.search)}`} replace />;
}

export const routes: RouteObject[] = [{
  element: <Layout />,
  children: [
    { index: true, element: <HomePage /> },
    { path: "search", element: later(<SearchPage />) },
    { path: "events/:id", element: later(<EventPage />) },
    { path: "login", element: <LoginPage /> },
    { path: "register", element: <RegisterPage /> },
    { path: "bookings", element: <SignedIn>{later(<BookingsPage />)}</SignedIn> },
    { path: "tickets", element: <SignedIn>{later(<TicketsPage />)}</SignedIn> },
    { path: "tickets/:id", element: <SignedIn>{later(<TicketPage />)}</SignedIn> },
    { path: "profile", element: <SignedIn>{later(<ProfilePage />)}</SignedIn> },
    { path: "organizer", element: <OrganizerOnly>{later(<ConsoleEventsPage />)}</OrganizerOnly> },
    { path: "organizer/events/new", element: <OrganizerOnly>{later(<NewEventPage />)}</OrganizerOnly> },
    { path: "organizer/events/:id", element: <OrganizerOnly>{later(<ConsoleEventPage />)}</OrganizerOnly> },
    { path: "organizer/events/:id/sales", element: <OrganizerOnly>{later(<SalesPage />)}</OrganizerOnly> },
    { path: "organizer/events/:id/live", element: <OrganizerOnly>{later(<LivePage />)}</OrganizerOnly> },
    { path: "organizer/events/:id/check-in", element: <OrganizerOnly>{later(<CheckInPage />)}</OrganizerOnly> },
    { path: "gate/:eventId", element: <SignedIn>{later(<GatePage />)}</SignedIn> },
    { path: "pay/:bookingId", element: <SignedIn>{later(<PayPage />)}</SignedIn> },
    { path: "events/:id/queue", element: <SignedIn>{later(<QueuePage />)}</SignedIn> },
    { path: "*", element: <NotFoundPage /> },
  ],
}];
