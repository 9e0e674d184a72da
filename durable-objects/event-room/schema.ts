/**
 * The room's SQLite tables, created (and brought up to date) once, in the constructor's
 * blockConcurrencyWhile. Every statement is idempotent, so an object of any age converges.
 */
const TABLES = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS seats (seat_id TEXT PRIMARY KEY, section TEXT NOT NULL, row TEXT NOT NULL,
    number INTEGER NOT NULL, price INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'available', booking_id TEXT);
  CREATE TABLE IF NOT EXISTS areas (name TEXT PRIMARY KEY, price INTEGER NOT NULL, capacity INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 0, sold INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS bookings (booking_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL,
    items TEXT NOT NULL, total_amount INTEGER NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS bookings_by_status_expiry ON bookings(status, expires_at);
  -- Lets the per-account hold count (hold-limit.ts) use an index instead of a scan of every booking.
  CREATE INDEX IF NOT EXISTS bookings_by_user ON bookings(user_id, status);
  CREATE TABLE IF NOT EXISTS idempotency (user_id TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,
    response TEXT NOT NULL, PRIMARY KEY (user_id, key));
  CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT NOT NULL, sent_at INTEGER);
  CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(sent_at, seq);
  CREATE TABLE IF NOT EXISTS tickets (ticket_id TEXT PRIMARY KEY, booking_id TEXT NOT NULL, item_id TEXT NOT NULL,
    secret TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'valid');
  CREATE INDEX IF NOT EXISTS tickets_by_booking ON tickets(booking_id);
  CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, booking_id TEXT NOT NULL,
    intent_id TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL,
    last_error TEXT, UNIQUE (kind, intent_id));
  CREATE TABLE IF NOT EXISTS queue (user_id TEXT PRIMARY KEY, joined_at INTEGER NOT NULL, position INTEGER UNIQUE,
    state TEXT NOT NULL DEFAULT 'waiting', admitted_at INTEGER, session_ends_at INTEGER);
  CREATE INDEX IF NOT EXISTS queue_by_state ON queue(state, session_ends_at);
  -- Per queue shard: its line admitted through which place, and its counts at the last tick.
  CREATE TABLE IF NOT EXISTS queue_shards (shard INTEGER PRIMARY KEY, through INTEGER NOT NULL DEFAULT 0,
    waiting INTEGER NOT NULL DEFAULT 0, joined INTEGER NOT NULL DEFAULT 0);
  -- Tickets' cores and check-in (ticket-issuer.ts, check-in.ts).
  CREATE TABLE IF NOT EXISTS ticket_keys (kid TEXT PRIMARY KEY, private_jwk TEXT NOT NULL, public_jwk TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS ticket_cores (ticket_id TEXT NOT NULL, version INTEGER NOT NULL, device_key TEXT NOT NULL, core TEXT,
    bound_at INTEGER NOT NULL, PRIMARY KEY (ticket_id, version));
  CREATE TABLE IF NOT EXISTS ticket_binds (ticket_id TEXT NOT NULL, bound_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS ticket_binds_by_ticket ON ticket_binds(ticket_id, bound_at);
  -- The gates' change log: a ticket added (min_version NULL) or its revocation floor raised; seq is the delta cursor.
  CREATE TABLE IF NOT EXISTS ticket_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id TEXT NOT NULL, min_version INTEGER);
  CREATE INDEX IF NOT EXISTS ticket_changes_by_ticket ON ticket_changes(ticket_id, min_version);
  CREATE TABLE IF NOT EXISTS check_ins (ticket_id TEXT PRIMARY KEY, first_at INTEGER NOT NULL, first_gate TEXT NOT NULL, first_nonce TEXT NOT NULL,
    inside INTEGER NOT NULL, entries INTEGER NOT NULL);
  -- Transfers (ticket-transfer.ts): every past holder of a ticket, so one who gave it away is told so, not "not found".
  CREATE TABLE IF NOT EXISTS ticket_transfers (ticket_id TEXT NOT NULL, revision INTEGER NOT NULL, from_user TEXT NOT NULL, to_user TEXT NOT NULL,
    transferred_at INTEGER NOT NULL, PRIMARY KEY (ticket_id, revision));
  CREATE INDEX IF NOT EXISTS ticket_transfers_by_sender ON ticket_transfers(ticket_id, from_user);
  CREATE TABLE IF NOT EXISTS gate_scans (gate_id TEXT NOT NULL, nonce TEXT NOT NULL, ticket_id TEXT NOT NULL, scan TEXT NOT NULL,
    decision TEXT NOT NULL, PRIMARY KEY (gate_id, nonce));
  -- The dashboard's last hour, persisted every half minute (live-history.ts); t is the bucket's start.
  CREATE TABLE IF NOT EXISTS live_history (t INTEGER PRIMARY KEY, sample TEXT NOT NULL);
  -- Entries per gate per minute (check-in-tally.ts).
  CREATE TABLE IF NOT EXISTS check_in_minutes (gate_id TEXT NOT NULL, minute INTEGER NOT NULL, entries INTEGER NOT NULL,
    PRIMARY KEY (gate_id, minute));
`;

/** Booking columns added after the first release (ADD COLUMN is cheap; the check makes it idempotent). */
const LATER_BOOKING_COLUMNS = ["payment_intent_id", "paid_intent_id", "reason", "refund_state"];
/** The ticket record's columns (ticket-records.ts): its holder (null: the booking's buyer), its revision, when it was issued. */
const LATER_TICKET_COLUMNS = { holder_id: "TEXT", revision: "INTEGER NOT NULL DEFAULT 0", issued_at: "INTEGER" };

export function migrate(sql: SqlStorage): void {
  sql.exec(TABLES);
  const cols = new Set(sql.exec<{ name: string }>("PRAGMA table_info(bookings)").toArray().map((c) => c.name));
  for (const col of LATER_BOOKING_COLUMNS) {
    if (!cols.has(col)) sql.exec(`ALTER TABLE bookings ADD COLUMN ${col} TEXT`);
  }
  const ticketCols = new Set(sql.exec<{ name: string }>("PRAGMA table_info(tickets)").toArray().map((c) => c.name));
  for (const [col, type] of Object.entries(LATER_TICKET_COLUMNS)) {
    if (!ticketCols.has(col)) sql.exec(`ALTER TABLE tickets ADD COLUMN ${col} ${type}`);
  }
}
