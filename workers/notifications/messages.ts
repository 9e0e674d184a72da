/**
 * How the notifier reads the bus: the catalogue's schemas (src/pipeline/catalogue.ts), one for
 * producers and consumers alike. Only the types it acts on are parsed; what does not parse is
 * logged and skipped, since retrying could never help.
 */
import { makeLogger } from "../../src/log";
import { parseMessage, type MessageOf, type MessageType } from "../../src/pipeline/catalogue";
import type { Envelope } from "../../src/pipeline/envelope";

const NOTIFIED = ["BookingConfirmed", "BookingCancelled", "BookingExpired", "RefundProcessed", "EventCancelled", "EventUpdated", "TicketTransferred", "TicketRevoked"] as const satisfies readonly MessageType[];
export type NotifiedMessage = MessageOf<(typeof NOTIFIED)[number]>;

const log = makeLogger({ consumer: "notifier" }, process.env.LOG_LEVEL);

/** The message with typed data when the notifier acts on its type; "ignored" or "ignored:invalid" (logged) otherwise. */
export function readForNotifier(e: Envelope): { ok: true; message: NotifiedMessage } | { ok: false; outcome: "ignored" | "ignored:invalid" } {
  if (!NOTIFIED.some((t) => t === e.event_type)) return { ok: false, outcome: "ignored" };
  const parsed = parseMessage(e);
  if (!parsed.ok) {
    log.warn("skipping a message the notifier cannot read", { message_id: e.event_id, event_type: e.event_type, error: parsed.error });
    return { ok: false, outcome: "ignored:invalid" };
  }
  const m = parsed.message;
  switch (m.event_type) {
    case "BookingConfirmed":
    case "BookingCancelled":
    case "BookingExpired":
    case "RefundProcessed":
    case "EventCancelled":
    case "EventUpdated":
    case "TicketTransferred":
    case "TicketRevoked":
      return { ok: true, message: m };
    default:
      return { ok: false, outcome: "ignored" };
  }
}
