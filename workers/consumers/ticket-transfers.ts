/**
 * The two mails of a ticket transfer: "you sent" to the sender and "you received" (with the link to
 * the wallet) to the recipient. Each is keyed by the ticket, the transfer's revision and the side,
 * so a message delivered twice, or transfers of one ticket arriving out of order, send each mail once.
 */
import type { MessageOf } from "../../src/pipeline/catalogue";
import { eventOf, factsOf, recipientsOf } from "../notifications/audience";
import type { Channels } from "../notifications/channels";
import { combine, deliver, type Outcome } from "../notifications/deliver";
import { notificationKey } from "../notifications/keys";
import type { Executor } from "./processed";

/** Where a fan's tickets are: the web app's wallet under the platform's public URL. */
export function walletUrl(base = process.env.PUBLIC_BASE_URL ?? "http://127.0.0.1:8787"): string {
  return `${base.replace(/\/+$/, "")}/tickets`;
}

export async function announceTransfer(db: Executor, channels: Channels, m: MessageOf<"TicketTransferred">): Promise<string> {
  const d = m.data;
  const event = await eventOf(db, d.event_id);
  const who = await recipientsOf(db, [d.from_user_id, d.holder_id]);
  const [sender, receiver] = [who.get(d.from_user_id), who.get(d.holder_id)];
  if (!event || !sender || !receiver) return "ignored:unknown_recipient";
  // No booking number or amount: the recipient did not buy it, and the sender's booking is theirs alone.
  const facts = factsOf(event, { bookingId: "", tickets: [{ kind: "seat", id: d.item_id, quantity: 1 }], amount: 0, currency: event.currency });
  const at = new Date(d.transferred_at);
  const outcomes: Outcome[] = [
    await deliver(db, channels, notificationKey.ticketSent(d.ticket_id, d.revision), { template: "ticket_sent", to: receiver.name, at }, sender, facts),
    await deliver(db, channels, notificationKey.ticketReceived(d.ticket_id, d.revision), { template: "ticket_received", from: sender.name, at, walletUrl: walletUrl() }, receiver, facts),
  ];
  return combine(outcomes);
}
