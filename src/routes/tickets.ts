import { and, desc, eq, exists, inArray, ne, or } from "drizzle-orm";
import { db, room, type Ctx } from "../context";
import { bookings, tickets, ticketTransfers, users } from "../db/schema";
import { readBody } from "../middleware/body";
import { requireAuth } from "../middleware/auth";
import { uuidId } from "../middleware/params";
import { Problem, problems } from "../problem";
import { ticketOperations as op } from "../contract/tickets";
import { enforce } from "../rate-limit/limiter";
import { rateLimiter } from "../rate-limit";
import { ApiRoutes } from "./api-routes";
import { unwrap } from "./room-result";

/**
 * The holder's wallet, from Postgres (the projection of the rooms' ticket records: one query across
 * every event), device binding and transfer, in the ticket's EventRoom, which decides who holds it.
 */
type TicketRow = typeof tickets.$inferSelect;
const WALLET_LIMIT = 500;
/** Accounts a ticket may be given to: fans (organizers buy tickets too); never gate, staff or admin accounts. */
const RECIPIENT_ROLES: ReadonlySet<string> = new Set(["user", "organizer"]);

/**
 * What the account `me` sees of a ticket. Its booking, and when that booking's payment issued it,
 * are facts of whoever bought it: an account that was given the ticket sees no booking id, and
 * `issued_at` is when it became theirs (`received_at`). A ticket given back to its buyer is theirs again.
 */
interface Ownership { buyer: string | null; receivedAt: Date | undefined }
const view = (t: TicketRow, me: string, own: Ownership) => {
  const bought = own.buyer === me;
  const received = bought ? undefined : own.receivedAt;
  return {
    ticket_id: t.ticketId, event_id: t.eventId, booking_id: bought ? t.bookingId : null, item_id: t.itemId,
    status: t.status === "void" ? "void" as const : t.checkedInAt ? "used" as const : "valid" as const,
    issued_at: (received ?? t.issuedAt).toISOString(),
    ...(received ? { received_at: received.toISOString() } : {}),
  };
};
const givenAway = (t: TicketRow, me: string, own: Ownership, at: Date) => ({ ...view(t, me, own), status: "transferred" as const, transferred_at: at.toISOString() });

/** For each of these tickets (rows already read): who bought it (its booking's account) and when it last came to `me` by transfer. */
async function ownership(c: Ctx, me: string, rows: TicketRow[]): Promise<(t: TicketRow) => Ownership> {
  if (!rows.length) return () => ({ buyer: null, receivedAt: undefined });
  const [buyers, arrivals] = await Promise.all([
    db(c).select({ bookingId: bookings.bookingId, buyer: bookings.userId }).from(bookings)
      .where(inArray(bookings.bookingId, [...new Set(rows.map((t) => t.bookingId))])),
    db(c).selectDistinctOn([ticketTransfers.ticketId], { ticketId: ticketTransfers.ticketId, at: ticketTransfers.transferredAt }).from(ticketTransfers)
      .where(and(eq(ticketTransfers.toUserId, me), inArray(ticketTransfers.ticketId, rows.map((t) => t.ticketId))))
      .orderBy(ticketTransfers.ticketId, desc(ticketTransfers.revision)),
  ]);
  const buyer = new Map(buyers.map((b) => [b.bookingId, b.buyer]));
  const arrived = new Map(arrivals.map((a) => [a.ticketId, a.at]));
  return (t) => ({ buyer: buyer.get(t.bookingId) ?? null, receivedAt: arrived.get(t.ticketId) });
}

/** Tickets `userId` gave away and does not hold now, each with its latest transfer from them. */
async function transferredAway(c: Ctx, userId: string, ticketId?: string) {
  const rows = await db(c).selectDistinctOn([ticketTransfers.ticketId], { ticket: tickets, at: ticketTransfers.transferredAt })
    .from(ticketTransfers).innerJoin(tickets, eq(tickets.ticketId, ticketTransfers.ticketId))
    .where(and(eq(ticketTransfers.fromUserId, userId), ne(tickets.userId, userId), ticketId ? eq(ticketTransfers.ticketId, ticketId) : undefined))
    .orderBy(ticketTransfers.ticketId, desc(ticketTransfers.revision)).limit(WALLET_LIMIT);
  const own = await ownership(c, userId, rows.map((r) => r.ticket));
  return rows.map((r) => givenAway(r.ticket, userId, own(r.ticket), r.at));
}

/** The caller's ticket, or 404 (another account's ticket is not found, not forbidden: ids do not leak). */
async function ownTicket(c: Ctx): Promise<TicketRow> {
  const id = uuidId(c.req.param("id"), "Ticket");
  const [t] = await db(c).select().from(tickets).where(and(eq(tickets.ticketId, id), eq(tickets.userId, c.get("principal").userId)));
  if (!t) throw problems.notFound("Ticket");
  return t;
}

/** A ticket the caller holds or once gave away (the room says which, and refuses the rest); 404 for any other. */
async function heldOrGiven(c: Ctx): Promise<TicketRow> {
  const id = uuidId(c.req.param("id"), "Ticket");
  const me = c.get("principal").userId;
  const gave = db(c).select().from(ticketTransfers).where(and(eq(ticketTransfers.ticketId, tickets.ticketId), eq(ticketTransfers.fromUserId, me)));
  const [t] = await db(c).select().from(tickets).where(and(eq(tickets.ticketId, id), or(eq(tickets.userId, me), exists(gave))));
  if (!t) throw problems.notFound("Ticket");
  return t;
}

/** The recipient's account by email: 404 when there is none, 422 when it cannot hold tickets. */
async function recipient(c: Ctx, email: string): Promise<string> {
  const [u] = await db(c).select({ userId: users.userId, role: users.role }).from(users).where(eq(users.email, email));
  if (!u) throw new Problem(404, "recipient_not_found", "Not found", "No account has this email: the recipient must sign up first");
  if (!RECIPIENT_ROLES.has(u.role)) throw new Problem(422, "recipient_not_eligible", "Unprocessable request", "Tickets can only be given to fan accounts");
  return u.userId;
}

export const ticketRoutes = new ApiRoutes("/api/tickets")
  .serve(op.list, requireAuth(), async (c) => {
    const me = c.get("principal").userId;
    const rows = await db(c).select().from(tickets).where(eq(tickets.userId, me)).orderBy(desc(tickets.issuedAt)).limit(WALLET_LIMIT);
    const own = await ownership(c, me, rows);
    return c.json({ tickets: [...rows.map((t) => view(t, me, own(t))), ...await transferredAway(c, me)] }, 200);
  })
  .serve(op.get, requireAuth(), async (c) => {
    const t = await heldOrGiven(c);
    const me = c.get("principal").userId;
    if (t.userId === me) return c.json(view(t, me, (await ownership(c, me, [t]))(t)), 200);
    const [away] = await transferredAway(c, me, t.ticketId);
    if (!away) throw problems.notFound("Ticket");
    return c.json(away, 200);
  })
  .serve(op.state, requireAuth(), async (c) => {
    const t = await heldOrGiven(c);
    // A phone of someone who gave the ticket away learns that, and nothing of the new holder's state.
    if (t.userId !== c.get("principal").userId) return c.json({ ticket_id: t.ticketId, status: "transferred" as const, version: 0, checked_in_at: null }, 200);
    return c.json(unwrap(await room(c, t.eventId).ticketState(t.ticketId)), 200);
  })
  .serve(op.bindDevice, requireAuth(), async (c) => {
    const body = await readBody(c, op.bindDevice, 1024);
    const t = await ownTicket(c);
    return c.json(unwrap(await room(c, t.eventId).bindDevice(t.ticketId, c.get("principal").userId, body.public_key)), 200);
  })
  .serve(op.transfer, requireAuth(), async (c) => {
    const body = await readBody(c, op.transfer, 1024);
    // Each transfer emails someone: counted per sender before anything is looked up (so the recipient lookup is no free oracle of accounts either).
    await enforce(c, rateLimiter(c.env), "transfers", [`user:${c.get("principal").userId}`]);
    const t = await heldOrGiven(c);
    const to = await recipient(c, body.email);
    const done = unwrap(await room(c, t.eventId).transferTicket(t.ticketId, c.get("principal").userId, to, c.get("requestId")));
    return c.json({ ticket_id: done.ticket_id, event_id: done.event_id, item_id: done.item_id, status: "transferred" as const, transferred_at: done.transferred_at }, 200);
  });
