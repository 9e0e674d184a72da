import { db, type Ctx } from "../context";
import { config } from "../config";
import { createGateAccount, disableGateAccount, KEPT_PER_SLOT, listGateAccounts, type GateAccountRow } from "../auth/gate-accounts";
import { EDGE_REVOCATION_TTL_SECONDS, revokeAtEdge } from "../auth/edge-revocation";
import { newGateCredentials } from "../domain/gate-credentials";
import { hashPassword } from "../domain/password";
import { gateAccountOperations as op } from "../contract/gate-accounts";
import { readBody } from "../middleware/body";
import { requireAuth } from "../middleware/auth";
import { uuidId } from "../middleware/params";
import { problems } from "../problem";
import { enforce } from "../rate-limit/limiter";
import { rateLimiter } from "../rate-limit";
import { ApiRoutes } from "./api-routes";
import { ownedEvent } from "./events";

/** Gate accounts of one event, managed by its organizer (or an admin). The password is in no log and in the 201 only. */
const view = (a: GateAccountRow) => ({
  account_id: a.accountId, event_id: a.eventId, label: a.label, login: a.login, enabled: a.disabledAt === null,
  created_at: a.createdAt.toISOString(), disabled_at: a.disabledAt?.toISOString() ?? null,
});

const capOf = (c: Ctx) => config(c.env).gateAccountsPerEvent;

export const gateAccountRoutes = new ApiRoutes("/api/events")
  .serve(op.create, requireAuth("organizer"), async (c) => {
    // Each creation hashes a password (deliberately slow): counted per organizer before any work.
    await enforce(c, rateLimiter(c.env), "gateAccounts", [`user:${c.get("principal").userId}`]);
    const e = await ownedEvent(c, c.req.param("id"));
    const body = await readBody(c, op.create, 4096);
    if (e.status === "cancelled") throw problems.conflict("event_cancelled", "A cancelled event has no gates to staff");
    const credentials = newGateCredentials();
    // Hashed before the transaction, which holds the event's row lock only to count and insert.
    const r = await createGateAccount(db(c), {
      eventId: e.eventId, label: body.label, createdBy: c.get("principal").userId, login: credentials.login, passwordHash: await hashPassword(credentials.password), cap: capOf(c),
    });
    if (!r.ok && r.reason === "event_gone") throw problems.notFound("Event");
    if (!r.ok) throw problems.conflict("gate_account_limit", `This event has the most gate accounts it may have enabled (${capOf(c)}); disable one first`, { limit: capOf(c) });
    c.get("log").info("gate account created", { event_id: e.eventId, account_id: r.account.accountId });
    return c.json({ ...view(r.account), password: credentials.password }, 201, { "Cache-Control": "no-store" });
  })
  .serve(op.list, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    const accounts = await listGateAccounts(db(c), e.eventId, capOf(c) * KEPT_PER_SLOT);
    return c.json({ event_id: e.eventId, accounts: accounts.map(view), enabled: accounts.filter((a) => a.disabledAt === null).length, limit: capOf(c) }, 200);
  })
  .serve(op.disable, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    const accountId = uuidId(c.req.param("account_id"), "Gate account");
    const r = await disableGateAccount(db(c), e.eventId, accountId, new Date(), EDGE_REVOCATION_TTL_SECONDS * 1000);
    if (!r) throw problems.notFound("Gate account");
    // After the commit, as logout does: the edge refuses the account's access tokens from now on.
    await Promise.all(r.sessionIds.map((id) => revokeAtEdge(c.env, id)));
    c.get("log").info("gate account disabled", { event_id: e.eventId, account_id: accountId, sessions: r.sessionIds.length });
    return c.json(view(r.account), 200);
  });
