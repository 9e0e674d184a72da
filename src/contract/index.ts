/**
 * The HTTP contract of Ticketing Pro: every operation the Worker serves, with the zod schemas of
 * what it takes (src/domain/*-input.ts, the same ones the handlers validate with) and of every
 * answer it may give. Zod only: clients import it for their forms and types. The Worker serves it
 * as OpenAPI 3.1 at /api/openapi.json and as a page at /api/docs.
 */
import { authOperations } from "./auth";
import { bookingOperations } from "./bookings";
import { eventOperations } from "./events";
import { gateOperations } from "./gate";
import { gateAccountOperations } from "./gate-accounts";
import type { Operation } from "./operation";
import { paymentOperations } from "./payments";
import { queueOperations } from "./queue";
import { salesOperations } from "./sales";
import { searchOperations } from "./search";
import { systemOperations } from "./system";
import { ticketOperations } from "./tickets";

export * from "./auth";
export * from "./bookings";
export * from "./events";
export * from "./payments";
export * from "./problem";
export * from "./queue";
export * from "./search";
export * from "./system";
export * from "./tickets";
export * from "./gate";
export * from "./sales";
export * from "./gate-accounts";
export type { Operation } from "./operation";
export { registerBody, loginBody, refreshBody, updateProfileBody } from "../domain/auth-input";
export { createBookingBody, listBookingsQuery } from "../domain/booking-input";
export { createEventSchema, listEventsQuery, updateEventSchema } from "../domain/event-input";
export { simulatorCompleteBody, reconcileQuery } from "../domain/payment-input";
export { searchQuery, autocompleteQuery } from "../domain/search-input";
export { queueSettingsSchema } from "../domain/waiting-room";

/** Every operation, by resource. */
export const operations = {
  auth: authOperations,
  events: eventOperations,
  bookings: bookingOperations,
  payments: paymentOperations,
  queue: queueOperations,
  search: searchOperations,
  tickets: ticketOperations,
  gate: gateOperations,
  sales: salesOperations,
  gateAccounts: gateAccountOperations,
  system: systemOperations,
};

/** The operations as one list. */
export const allOperations: Operation[] = Object.values(operations).flatMap((group): Operation[] => Object.values(group));

/** What the document says about itself. */
export const API_INFO = {
  title: "Ticketing Pro API",
  version: "1.0.0",
  description: "Ticket booking at the edge. JSON in and out; errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`. "
    + "Money is integer minor units with an ISO 4217 `currency` (KRW has none: ₩150,000 is `150000`); times are ISO 8601 UTC; ids are UUIDs. "
    + "Writes a client may retry accept `Idempotency-Key`.",
};

export const TAGS = [
  { name: "Auth", description: "Accounts and sessions: short-lived ES256 access tokens, rotating refresh tokens" },
  { name: "Events", description: "Events, seat maps and sales figures" },
  { name: "Bookings", description: "Holds, bookings and their payments" },
  { name: "Payments", description: "Stripe's webhook, refunds, reconciliation" },
  { name: "Waiting room", description: "The queue in front of a busy sale" },
  { name: "Tickets", description: "The holder's wallet and device-bound ticket cores" },
  { name: "Gates", description: "Check-in: online scans, offline manifests, deltas and sync" },
  { name: "Search", description: "Search over published events" },
  { name: "System", description: "Health, keys, and this reference" },
  { name: "Development", description: "Local development only (the payment simulator, the mailbox): 404 anywhere else" },
];

export const SECURITY_SCHEMES = {
  bearerAuth: { type: "http" as const, scheme: "bearer", bearerFormat: "JWT", description: "An access token from /api/auth/login, /register or /refresh" },
  queueToken: { type: "http" as const, scheme: "bearer", bearerFormat: "JWT", description: "The queue token from POST /api/queue/{event_id}/join" },
  stripeSignature: { type: "apiKey" as const, in: "header" as const, name: "Stripe-Signature", description: "Stripe's signature of the raw body (`t=…,v1=…`)" },
};
