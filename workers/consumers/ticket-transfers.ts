/**
 * The mails of tickets that changed hands. The two mails of a ticket transfer: "you sent" to the sender and "you received" (with the link to
 * the wallet) to the recipient. Each is keyed by the ticket, the transfer's revision and the side,
 * so a message delivered twice, or transfers of one ticket arriving out of order, send each mail once.
 */
import type { MessageOf } from "../../src/pipeline/catalogue";
import { eq } from "drizzle-orm";
import { bookings } from "../../src/db/schema";
import { eventOf, factsOf, recipientsOf, type EventRow } from "../notifications/audience";
import type { Channels } from "../notifications/channels";
import { combine, deliver, type Outcome } from "../notifications/deliver";
import { notificationKey } from "../notifications/keys";
import type { VoidCause } from "../notifications/templates";
import type { Executor } from "./processed";

/** Where a fan's tickets are: the web app's wallet under the platform's public URL. */
export function walletUrl(base = process.env.PUBLIC_BASE_URL ?? "http://127.0.0.1:8787"): string {
  return `${base.replace(/\/+$/, "")}/tickets`;
}

/**
 * What a mail about one ticket that changed hands prints: the event and the ticket, no booking
 * number or amount (whoever holds it now did not buy it; the buyer's booking is theirs alone).
 */
const ticketFacts = (event: EventRow, itemId: string) =>
  factsOf(event, { bookingId: "", tickets: [{ kind: "seat", id: itemId, quantity: 1 }], amount: 0, currency: event.currency });

export async function announceTransfer(db: Executor, channels: Channels, m: MessageOf<"TicketTransferred">): Promise<string> {
  const d = m.data;
  const event = await eventOf(db, d.event_id);
  const who = await recipientsOf(db, [d.from_user_id, d.holder_id]);
  const [sender, receiver] = [who.get(d.from_user_id), who.get(d.holder_id)];
  if (!event || !sender || !receiver) return "ignored:unknown_recipient";
  const facts = ticketFacts(event, d.item_id);
  const at = new Date(d.transferred_at);
  const outcomes: Outcome[] = [
    await deliver(db, channels, notificationKey.ticketSent(d.ticket_id, d.revision), { template: "ticket_sent", to: receiver.name, at }, sender, facts),
    await deliver(db, channels, notificationKey.ticketReceived(d.ticket_id, d.revision), { template: "ticket_received", from: sender.name, at, walletUrl: walletUrl() }, receiver, facts),
  ];
  return combine(outcomes);
}

const VOID_CAUSES: Partial<Record<string, VoidCause>> = { refunded_by_organizer: "organizer", event_cancelled: "event_cancelled" };

/**
 * A voided ticket whose holder is not its buyer (it was given to them): the holder learns it no
 * longer admits them. The buyer is told by the refund's own mail. The message names the holder at
 * the moment of voiding, so a transfer message arriving after it changes nothing.
 */
export async function announceVoided(db: Executor, channels: Channels, m: MessageOf<"TicketRevoked">): Promise<string> {
  const d = m.data;
  const [booking] = await db.select({ buyer: bookings.userId }).from(bookings).where(eq(bookings.bookingId, d.booking_id));
  if (!booking) return "ignored:unknown_booking";
  if (booking.buyer === d.holder_id) return "ignored:held_by_buyer";
  const event = await eventOf(db, d.event_id);
  const holder = (await recipientsOf(db, [d.holder_id])).get(d.holder_id);
  if (!event || !holder) return "ignored:unknown_recipient";
  const facts = ticketFacts(event, d.item_id);
  return combine([await deliver(db, channels, notificationKey.ticketVoided(d.ticket_id), { template: "ticket_voided", cause: VOID_CAUSES[d.reason] ?? "other" }, holder, facts)]);
}
