import type { ReminderSlot } from "./time-left";

/**
 * Notification keys: the cause and the booking, never the delivery. Two messages that announce
 * the same change (a redelivery, or the EventCancelled fan-out and a booking's own refund
 * message) land on the same key and so send once.
 */
export const notificationKey = {
  confirmed: (bookingId: string) => `booking:${bookingId}:confirmed`,
  holdCancelled: (bookingId: string) => `booking:${bookingId}:cancelled`,
  holdExpired: (bookingId: string) => `booking:${bookingId}:expired`,
  /** Per payment: a booking may see a refund of a duplicate payment and later its own. */
  refunded: (bookingId: string, paymentRef: string) => `booking:${bookingId}:refund:${paymentRef}`,
  /** Cancellation is final: once per event and booking, whichever message gets there first. */
  eventCancelled: (eventId: string, bookingId: string) => `event:${eventId}:cancelled:${bookingId}`,
  /** An event may move more than once: once per announcing message and booking. */
  eventRescheduled: (eventId: string, messageId: string, bookingId: string) => `event:${eventId}:rescheduled:${messageId}:${bookingId}`,
  /** Per start date, so a moved event earns its reminders again. */
  reminder: (bookingId: string, slot: ReminderSlot, start: Date) => `booking:${bookingId}:reminder:${slot}:${start.toISOString()}`,
  /** Per transfer (the ticket's revision names it) and side: a ticket may change hands more than once. */
  ticketSent: (ticketId: string, revision: number) => `ticket:${ticketId}:transfer:${revision}:sent`,
  ticketReceived: (ticketId: string, revision: number) => `ticket:${ticketId}:transfer:${revision}:received`,
  /** A ticket is voided once: one mail to whoever held it then. */
  ticketVoided: (ticketId: string) => `ticket:${ticketId}:voided`,
};
