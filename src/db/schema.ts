import { sql } from "drizzle-orm";
import {
  bigint, bigserial, char, check, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid,
} from "drizzle-orm/pg-core";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const users = pgTable("users", {
  userId: uuid("user_id").primaryKey().defaultRandom(),
  email: text("email").notNull(),
  passwordHash: text("password_hash").notNull(),
  name: text("name").notNull(),
  phoneNumber: text("phone_number"),
  /** `gate`: staff of one event (its row in gate_accounts), made by the event's organizer; never registered. */
  role: text("role", { enum: ["user", "organizer", "admin", "gate"] }).notNull().default("user"),
  locale: text("locale").notNull().default("ko"),
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
}, (t) => [uniqueIndex("users_email_key").on(t.email), check("users_role_check", sql`${t.role} IN ('user', 'organizer', 'admin', 'gate')`)]);

export const refreshTokens = pgTable("refresh_tokens", {
  tokenId: uuid("token_id").primaryKey(),
  userId: uuid("user_id").notNull().references(() => users.userId, { onDelete: "cascade" }),
  familyId: uuid("family_id").notNull(),
  tokenHash: text("token_hash").notNull(),
  expiresAt: ts("expires_at").notNull(),
  usedAt: ts("used_at"),
  revokedAt: ts("revoked_at"),
  createdAt: ts("created_at").notNull().defaultNow(),
}, (t) => [uniqueIndex("refresh_tokens_hash_key").on(t.tokenHash), index("refresh_tokens_family_idx").on(t.familyId)]);

/**
 * A login session: one refresh-token family. Revocation (logout, refresh-token reuse) is final:
 * refresh locks this row and checks it in the same transaction that mints the next token.
 */
export const sessions = pgTable("sessions", {
  sessionId: uuid("session_id").primaryKey(),
  userId: uuid("user_id").notNull().references(() => users.userId, { onDelete: "cascade" }),
  createdAt: ts("created_at").notNull().defaultNow(),
  revokedAt: ts("revoked_at"),
  revokedReason: text("revoked_reason"),
}, (t) => [index("sessions_user_idx").on(t.userId)]);

export const events = pgTable("events", {
  eventId: uuid("event_id").primaryKey(),
  organizerId: uuid("organizer_id").notNull().references(() => users.userId),
  title: text("title").notNull(),
  description: text("description").notNull().default(""),
  category: text("category").notNull(),
  venue: text("venue").notNull(),
  location: text("location").notNull().default(""),
  startDate: ts("start_date").notNull(),
  endDate: ts("end_date"),
  currency: char("currency", { length: 3 }).notNull(),
  status: text("status", { enum: ["draft", "published", "cancelled"] }).notNull().default("draft"),
  seatMap: jsonb("seat_map").notNull(),
  minPrice: bigint("min_price", { mode: "number" }).notNull(),
  maxPrice: bigint("max_price", { mode: "number" }).notNull(),
  totalSeats: integer("total_seats").notNull(),
  /** Buyers may ask for a refund until this many hours before the start. */
  refundWindowHours: integer("refund_window_hours").notNull().default(24),
  /** Waiting-room settings (the EventRoom holds the live copy). */
  queueSettings: jsonb("queue_settings"),
  /** When the start date of a published event last moved: buyers then get a refund window of their own. */
  rescheduledAt: ts("rescheduled_at"),
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
}, (t) => [
  index("events_published_start_idx").on(t.category, t.startDate).where(sql`status = 'published'`),
  index("events_organizer_idx").on(t.organizerId),
]);

/** Reserved seats, one row per seat; status is projected from the EventRoom's outbox. */
export const seats = pgTable("seats", {
  eventId: uuid("event_id").notNull().references(() => events.eventId, { onDelete: "cascade" }),
  seatId: text("seat_id").notNull(),
  section: text("section").notNull(),
  rowLabel: text("row_label").notNull(),
  number: integer("number").notNull(),
  price: bigint("price", { mode: "number" }).notNull(),
  status: text("status", { enum: ["available", "held", "sold"] }).notNull().default("available"),
  bookingId: uuid("booking_id"),
  /** When the message that set `status` was made: an older message arriving late does not overwrite it. */
  statusAt: ts("status_at"),
}, (t) => [primaryKey({ columns: [t.eventId, t.seatId] })]);

/** General-admission areas: a capacity, with held and sold counts projected from the outbox. */
export const gaAreas = pgTable("ga_areas", {
  eventId: uuid("event_id").notNull().references(() => events.eventId, { onDelete: "cascade" }),
  name: text("name").notNull(),
  price: bigint("price", { mode: "number" }).notNull(),
  capacity: integer("capacity").notNull(),
  held: integer("held").notNull().default(0),
  sold: integer("sold").notNull().default(0),
}, (t) => [primaryKey({ columns: [t.eventId, t.name] })]);

export const bookings = pgTable("bookings", {
  bookingId: uuid("booking_id").primaryKey(),
  eventId: uuid("event_id").notNull().references(() => events.eventId),
  userId: uuid("user_id").notNull().references(() => users.userId),
  status: text("status", { enum: ["reserved", "confirmed", "cancelled", "expired", "refunded"] }).notNull(),
  totalAmount: bigint("total_amount", { mode: "number" }).notNull(),
  currency: char("currency", { length: 3 }).notNull(),
  expiresAt: ts("expires_at").notNull(),
  createdAt: ts("created_at").notNull(),
  updatedAt: ts("updated_at").notNull(),
}, (t) => [index("bookings_user_idx").on(t.userId, t.createdAt), index("bookings_event_idx").on(t.eventId)]);

/** What a booking holds: a reserved seat (quantity 1) or a number of places in an area. */
export const bookingItems = pgTable("booking_items", {
  bookingId: uuid("booking_id").notNull().references(() => bookings.bookingId, { onDelete: "cascade" }),
  itemId: text("item_id").notNull(),
  kind: text("kind", { enum: ["seat", "area"] }).notNull(),
  quantity: integer("quantity").notNull(),
  unitPrice: bigint("unit_price", { mode: "number" }).notNull(),
}, (t) => [primaryKey({ columns: [t.bookingId, t.itemId] })]);

/** Every recorded change, in order; the Kafka bridge publishes rows with published_at null. */
export const outbox = pgTable("outbox", {
  seq: bigserial("seq", { mode: "number" }).primaryKey(),
  messageId: uuid("message_id").notNull(),
  topic: text("topic").notNull(),
  aggregateId: text("aggregate_id").notNull(),
  eventType: text("event_type").notNull(),
  envelope: jsonb("envelope").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
  publishedAt: ts("published_at"),
}, (t) => [
  uniqueIndex("outbox_message_id_key").on(t.messageId),
  index("outbox_unpublished_idx").on(t.seq).where(sql`published_at IS NULL`),
]);

/** Messages a consumer has applied, so redelivery is harmless. */
export const processedMessages = pgTable("processed_messages", {
  consumer: text("consumer").notNull(),
  messageId: uuid("message_id").notNull(),
  processedAt: ts("processed_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.consumer, t.messageId] })]);

/**
 * Messages a consumer could not apply even on their own (a poison message): kept here with the
 * error, for a person to look at and replay, instead of blocking the partition behind them.
 */
export const deadLetters = pgTable("dead_letters", {
  consumer: text("consumer").notNull(),
  messageId: uuid("message_id").notNull(),
  envelope: jsonb("envelope").notNull(),
  error: text("error").notNull(),
  failedAt: ts("failed_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.consumer, t.messageId] })]);

/** One row per PaymentIntent: what we asked for, and what the provider told us. */
export const payments = pgTable("payments", {
  paymentIntentId: text("payment_intent_id").primaryKey(),
  /** Null for money that arrived for no booking we know (it is refunded). */
  bookingId: uuid("booking_id"),
  eventId: uuid("event_id"),
  userId: uuid("user_id"),
  provider: text("provider", { enum: ["stripe", "simulator"] }).notNull(),
  amount: bigint("amount", { mode: "number" }).notNull(),
  currency: char("currency", { length: 3 }).notNull(),
  status: text("status", { enum: ["requires_payment", "succeeded", "failed", "canceled", "refund_pending", "refunded"] }).notNull(),
  /** Why money went back without a sale, or why a refund was made. */
  note: text("note"),
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
}, (t) => [index("payments_booking_idx").on(t.bookingId), index("payments_status_idx").on(t.status, t.updatedAt)]);

/**
 * Tickets, one per seat or general-admission place; their secrets stay in the EventRoom. `userId`
 * is the current holder (the buyer, or whom it was transferred to); `revision` is the room's
 * revision of the record last applied, so older messages never overwrite newer ones.
 */
export const tickets = pgTable("tickets", {
  ticketId: uuid("ticket_id").primaryKey(),
  bookingId: uuid("booking_id").notNull(),
  eventId: uuid("event_id").notNull(),
  userId: uuid("user_id").notNull(),
  itemId: text("item_id").notNull(),
  status: text("status", { enum: ["valid", "void"] }).notNull().default("valid"),
  issuedAt: ts("issued_at").notNull(),
  revision: integer("revision").notNull().default(0),
  checkedInAt: ts("checked_in_at"),
}, (t) => [index("tickets_user_idx").on(t.userId), index("tickets_booking_idx").on(t.bookingId)]);

/** Every transfer of a ticket (from TicketTransferred), so a sender's wallet can show what they gave away. */
export const ticketTransfers = pgTable("ticket_transfers", {
  ticketId: uuid("ticket_id").notNull(),
  revision: integer("revision").notNull(),
  eventId: uuid("event_id").notNull(),
  fromUserId: uuid("from_user_id").notNull(),
  toUserId: uuid("to_user_id").notNull(),
  transferredAt: ts("transferred_at").notNull(),
}, (t) => [primaryKey({ columns: [t.ticketId, t.revision] }), index("ticket_transfers_from_idx").on(t.fromUserId)]);

/** Stripe webhook events seen, so each is handled once and the handling can be audited. */
export const paymentEvents = pgTable("payment_events", {
  stripeEventId: text("stripe_event_id").primaryKey(),
  type: text("type").notNull(),
  receivedAt: ts("received_at").notNull().defaultNow(),
  processedAt: ts("processed_at"),
  outcome: text("outcome"),
});

/**
 * The search read model (the seed's CQRS query side), built by the search consumer from
 * event-events and inventory-events. Weighted text (title > description > venue, as the seed's
 * title^3, description^2, venue) with the 'simple' configuration, which keeps Hangul words whole;
 * pg_trgm on the title for typos and prefixes.
 */
export const searchEvents = pgTable("search_events", {
  eventId: uuid("event_id").primaryKey(),
  title: text("title"),
  description: text("description"),
  venue: text("venue"),
  location: text("location"),
  category: text("category"),
  startDate: ts("start_date"),
  currency: char("currency", { length: 3 }),
  minPrice: bigint("min_price", { mode: "number" }),
  maxPrice: bigint("max_price", { mode: "number" }),
  status: text("status"),
  totalSeats: integer("total_seats"),
  /** Sum of inventory changes seen (reserved −, released +); available = total + delta. Order-free. */
  seatsDelta: integer("seats_delta").notNull().default(0),
  /** The event's updated_at in the newest event message applied: older ones are ignored. */
  sourceUpdatedAt: ts("source_updated_at"),
  document: tsvector("document").generatedAlwaysAs(sql`setweight(to_tsvector('simple', coalesce(title, '')), 'A') || setweight(to_tsvector('simple', coalesce(description, '')), 'B') || setweight(to_tsvector('simple', coalesce(venue, '')), 'C')`),
}, (t) => [
  index("search_events_document_idx").using("gin", t.document),
  index("search_events_title_trgm_idx").using("gin", sql`${t.title} gin_trgm_ops`),
  index("search_events_filter_idx").on(t.status, t.category, t.startDate),
]);

/**
 * Every notification the notifier decided to send: claimed before sending (so a redelivered
 * message finds the claim and sends nothing), then marked sent or failed. Also the local mailbox
 * of the embedded default.
 */
export const notifications = pgTable("notifications", {
  notificationId: text("notification_id").primaryKey(),
  channel: text("channel", { enum: ["email", "sms"] }).notNull(),
  template: text("template").notNull(),
  locale: text("locale").notNull(),
  recipient: text("recipient").notNull(),
  subject: text("subject").notNull(),
  bodyText: text("body_text").notNull(),
  bodyHtml: text("body_html"),
  status: text("status", { enum: ["pending", "sent", "failed"] }).notNull().default("pending"),
  error: text("error"),
  createdAt: ts("created_at").notNull().defaultNow(),
  sentAt: ts("sent_at"),
}, (t) => [index("notifications_created_idx").on(t.createdAt)]);

/**
 * A gate account: a `gate` user bound to exactly one event (the primary key is the user), made by
 * that event's organizer or an admin. Disabling is final: its sessions are revoked in the same
 * transaction (src/auth/gate-accounts.ts), and login takes a share lock on this row, so no session
 * starts after a disable commits.
 */
export const gateAccounts = pgTable("gate_accounts", {
  accountId: uuid("account_id").primaryKey().references(() => users.userId, { onDelete: "cascade" }),
  eventId: uuid("event_id").notNull().references(() => events.eventId, { onDelete: "cascade" }),
  label: text("label").notNull(),
  createdBy: uuid("created_by").notNull().references(() => users.userId),
  createdAt: ts("created_at").notNull().defaultNow(),
  disabledAt: ts("disabled_at"),
}, (t) => [index("gate_accounts_event_idx").on(t.eventId, t.createdAt)]);
