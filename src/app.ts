import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context";
import { isDatabaseUnavailable } from "./db/client";
import { corsPolicy, securityHeaders } from "./middleware/edge-headers";
import { describeError } from "./describe-error";
import { requestContext } from "./middleware/request";
import { webAppAtRoot } from "./middleware/web-app";
import { Problem } from "./problem";
import { authRoutes } from "./routes/auth";
import { bookingRoutes } from "./routes/bookings";
import { eventRoutes } from "./routes/events";
import { healthRoutes } from "./routes/health";
import { paymentRoutes } from "./routes/payments";
import { queueRoutes } from "./routes/queue";
import { searchRoutes } from "./routes/search";
import { ticketRoutes } from "./routes/tickets";
import { ticketSettingsRoutes } from "./routes/ticket-settings";
import { gateRoutes } from "./routes/gate";
import { organizerRoutes, salesRoutes } from "./routes/sales";
import { gateAccountRoutes } from "./routes/gate-accounts";
import { checkoutPage } from "./pages/checkout";
import { mailboxPage } from "./pages/mailbox";
import { documentOf } from "./routes/openapi";
import { referenceRoutes } from "./routes/reference";

const PROBLEM_TYPE = "application/problem+json";

export const app = new OpenAPIHono<AppEnv>();
app.use(requestContext);
app.use(securityHeaders);
app.use(corsPolicy);
app.use(webAppAtRoot);
for (const routes of [healthRoutes, authRoutes, eventRoutes, bookingRoutes, paymentRoutes, queueRoutes, searchRoutes, ticketRoutes, ticketSettingsRoutes, gateRoutes, gateAccountRoutes, organizerRoutes, salesRoutes, checkoutPage, mailboxPage]) {
  app.route(routes.prefix || "/", routes);
}
// The root document, /api/openapi.json and /api/docs: every route above is in the document.
app.route("/", referenceRoutes(documentOf(app)));

app.notFound((c) => {
  const p = new Problem(404, "route_not_found", "Not found", `No route for ${c.req.method} ${c.req.path}`);
  return c.body(JSON.stringify(p.toJSON(c.req.path)), 404, { "Content-Type": PROBLEM_TYPE });
});

app.onError((err, c) => {
  let problem: Problem;
  if (err instanceof Problem) problem = err;
  else if (isDatabaseUnavailable(err)) {
    c.get("log")?.error("database unavailable", { error: describeError(err) });
    problem = new Problem(503, "database_unavailable", "Service unavailable", "The database cannot be reached; try again shortly", {}, { "Retry-After": "5" });
  } else if (err instanceof HTTPException) problem = new Problem(err.status, "http_error", err.message || "Request failed");
  else {
    // The code and root cause, never the error's text: drizzle's carries the query's parameters.
    c.get("log")?.error("unhandled error", { error: describeError(err) });
    problem = new Problem(500, "internal_error", "Internal server error", `Something went wrong; quote request id ${c.get("requestId") ?? "?"}`);
  }
  if (problem.status >= 500 && err instanceof Problem) c.get("log")?.error("server problem", { code: problem.code });
  return c.body(JSON.stringify(problem.toJSON(c.req.path)), problem.status as 400, { "Content-Type": PROBLEM_TYPE, ...problem.headers });
});
