import { and, desc, eq } from "drizzle-orm";
import { db, room, type Ctx } from "../context";
import { tickets } from "../db/schema";
import { readBody } from "../middleware/body";
import { requireAuth } from "../middleware/auth";
import { uuidId } from "../middleware/params";
import { problems } from "../problem";
import { ticketOperations as op } from "../contract/tickets";
import { ApiRoutes } from "./api-routes";
import { unwrap } from "./room-result";

/**
 * The holder's wallet, from Postgres (the projection of the rooms' BookingConfirmed messages:
 * one query across every event), and device binding, in the ticket's EventRoom, which signs.
 */
type TicketRow = typeof tickets.$inferSelect;
const view = (t: TicketRow) => ({
  ticket_id: t.ticketId, event_id: t.eventId, booking_id: t.bookingId, item_id: t.itemId, status: t.status, issued_at: t.issuedAt.toISOString(),
});

/** The caller's ticket, or 404 (another account's ticket is not found, not forbidden: ids do not leak). */
async function ownTicket(c: Ctx): Promise<TicketRow> {
  const id = uuidId(c.req.param("id"), "Ticket");
  const [t] = await db(c).select().from(tickets).where(and(eq(tickets.ticketId, id), eq(tickets.userId, c.get("principal").userId)));
  if (!t) throw problems.notFound("Ticket");
  return t;
}

export const ticketRoutes = new ApiRoutes("/api/tickets")
  .serve(op.list, requireAuth(), async (c) => {
    const rows = await db(c).select().from(tickets).where(eq(tickets.userId, c.get("principal").userId)).orderBy(desc(tickets.issuedAt)).limit(500);
    return c.json({ tickets: rows.map(view) }, 200);
  })
  .serve(op.get, requireAuth(), async (c) => c.json(view(await ownTicket(c)), 200))
  .serve(op.state, requireAuth(), async (c) => {
    const t = await ownTicket(c);
    return c.json(unwrap(await room(c, t.eventId).ticketState(t.ticketId)), 200);
  })
  .serve(op.bindDevice, requireAuth(), async (c) => {
    const body = await readBody(c, op.bindDevice, 1024);
    const t = await ownTicket(c);
    return c.json(unwrap(await room(c, t.eventId).bindDevice(t.ticketId, t.userId, body.public_key)), 200);
  });
