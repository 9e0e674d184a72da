import { admissionsDue, cryptoRandom, shuffle, type QueueSettings } from "../src/domain/waiting-room";
import type { QueuePlace, QueueWatermark, Refusal } from "./room-types";
import { refuse } from "./refuse";

/** The queue's tables, created by the EventRoom with its own. */
export const WAITING_ROOM_SCHEMA = `
  CREATE TABLE IF NOT EXISTS queue (user_id TEXT PRIMARY KEY, joined_at INTEGER NOT NULL, position INTEGER UNIQUE,
    state TEXT NOT NULL DEFAULT 'waiting', admitted_at INTEGER, session_ends_at INTEGER);
  CREATE INDEX IF NOT EXISTS queue_by_state ON queue(state, session_ends_at);
  CREATE TABLE IF NOT EXISTS admissions (at INTEGER NOT NULL, n INTEGER NOT NULL);
`;

export interface Meta { get(key: string): string | null; set(key: string, value: string): void }

/**
 * An event's waiting room, inside its EventRoom (same thread, same storage as the seats).
 * Before the on-sale time arrivals get no number; at opening they are shuffled; after it,
 * numbers go in arrival order. A token bucket on the room's alarm admits places in order,
 * up to `max_active` shoppers at once. Every method is synchronous over SQLite.
 */
export class WaitingRoom {
  constructor(private readonly sql: SqlStorage, private readonly storage: DurableObjectStorage, private readonly meta: Meta) {}

  settings(): QueueSettings | null {
    const raw = this.meta.get("queue_settings");
    return raw ? (JSON.parse(raw) as QueueSettings) : null;
  }

  configure(settings: QueueSettings): void {
    this.meta.set("queue_settings", JSON.stringify(settings));
  }

  /** One place per account: joining again returns the same place. `wakeAt` is when the room's alarm should next run. */
  join(userId: string, now: number): { place: QueuePlace; wakeAt: number } | Refusal {
    const s = this.settings();
    if (!s?.enabled) return refuse(409, "queue_not_enabled", "This event has no waiting room; book directly");
    this.openIfDue(s, now);
    const opened = this.meta.get("queue_opened") === "1";
    const existing = this.place(userId, now);
    if (existing) return { place: existing, wakeAt: opened ? now + 1000 : Date.parse(s.on_sale_at) };
    const position = opened ? this.nextPosition() : null;
    this.sql.exec("INSERT INTO queue (user_id, joined_at, position) VALUES (?, ?, ?)", userId, now, position);
    return { place: { state: "waiting", position, sessionEndsAt: null }, wakeAt: opened ? now + 1000 : Date.parse(s.on_sale_at) };
  }

  place(userId: string, now: number): QueuePlace | null {
    const s = this.settings();
    if (s) this.openIfDue(s, now);
    const row = this.sql.exec<{ position: number | null; state: string; session_ends_at: number | null }>(
      "SELECT position, state, session_ends_at FROM queue WHERE user_id = ?", userId).toArray()[0];
    if (!row) return null;
    if (row.state === "admitted" && (row.session_ends_at ?? 0) > now) return { state: "admitted", position: row.position, sessionEndsAt: row.session_ends_at };
    if (row.state === "waiting") return { state: "waiting", position: row.position, sessionEndsAt: null };
    return { state: "expired", position: row.position, sessionEndsAt: row.session_ends_at };
  }

  watermark(now: number): QueueWatermark {
    const s = this.settings();
    const recent = this.sql.exec<{ n: number | null; first: number | null }>("SELECT SUM(n) AS n, MIN(at) AS first FROM admissions WHERE at > ?", now - 60_000).one();
    const windowMs = recent.first ? Math.max(1000, now - recent.first + 1000) : 60_000;
    return {
      enabled: !!s?.enabled, opened: this.meta.get("queue_opened") === "1", onSaleAt: s ? Date.parse(s.on_sale_at) : 0,
      admittedThrough: Number(this.meta.get("queue_admitted_through") ?? 0), admitPerMinute: s?.admit_per_minute ?? 0,
      measuredPerMinute: Math.round(((recent.n ?? 0) * 60_000) / Math.min(60_000, windowMs)),
    };
  }

  counts(now: number): { joined: number; waiting: number; admitted: number; active: number } {
    return this.sql.exec<{ joined: number; waiting: number; admitted: number; active: number }>(`
      SELECT COUNT(*) AS joined, COALESCE(SUM(state = 'waiting'), 0) AS waiting,
        COALESCE(SUM(state IN ('admitted', 'done', 'lapsed')), 0) AS admitted,
        COALESCE(SUM(state = 'admitted' AND session_ends_at > ?), 0) AS active FROM queue`, now).one();
  }

  /** With the room on, only an admitted shopper whose session is running may book. */
  checkAdmission(userId: string, admission: { position: number | null } | null, now: number): Refusal | null {
    const s = this.settings();
    if (!s?.enabled) return null;
    if (!admission) return refuse(403, "queue_required", "This sale has a waiting room: join the queue and book with your admission token");
    const p = this.place(userId, now);
    if (p?.state === "admitted") return null;
    if (p?.state === "expired") return refuse(403, "admission_expired", "Your shopping session has ended; join the queue again");
    return refuse(403, "queue_required", "You have not been admitted yet; keep your place in the queue");
  }

  /** A shopper who booked leaves the store: the slot goes to the next in line. */
  leave(userId: string): void {
    this.sql.exec("UPDATE queue SET state = 'done' WHERE user_id = ? AND state = 'admitted'", userId);
  }

  /** The clock: open at on-sale time, lapse sessions, admit at the set rate. Returns when to run again. */
  tick(now: number): { next: number | null; changed: boolean } {
    const s = this.settings();
    if (!s?.enabled) return { next: null, changed: false };
    const onSale = Date.parse(s.on_sale_at);
    if (now < onSale) return { next: onSale, changed: false };
    let changed = false;
    this.storage.transactionSync(() => {
      changed = this.openIfDue(s, now);
      const lapsed = this.sql.exec("UPDATE queue SET state = 'lapsed' WHERE state = 'admitted' AND session_ends_at <= ?", now).rowsWritten;
      const last = Number(this.meta.get("queue_last_tick") ?? onSale);
      const through = Number(this.meta.get("queue_admitted_through") ?? 0);
      const issued = Number(this.meta.get("queue_next_position") ?? 1) - 1;
      const active = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM queue WHERE state = 'admitted'").one().n;
      const due = admissionsDue({
        admitPerMinute: s.admit_per_minute, elapsedMs: now - last, carry: Number(this.meta.get("queue_carry") ?? 0),
        active, maxActive: s.max_active, waiting: issued - through,
      });
      if (due.admit > 0) {
        this.sql.exec("UPDATE queue SET state = 'admitted', admitted_at = ?, session_ends_at = ? WHERE state = 'waiting' AND position > ? AND position <= ?",
          now, now + s.session_minutes * 60_000, through, through + due.admit);
        this.meta.set("queue_admitted_through", String(through + due.admit));
        this.sql.exec("INSERT INTO admissions (at, n) VALUES (?, ?)", now, due.admit);
        this.sql.exec("DELETE FROM admissions WHERE at < ?", now - 120_000);
      }
      changed ||= due.admit > 0 || lapsed > 0;
      this.meta.set("queue_carry", String(due.carry));
      this.meta.set("queue_last_tick", String(now));
    });
    const pending = this.sql.exec<{ waiting: number; active: number }>(
      "SELECT COALESCE(SUM(state = 'waiting'), 0) AS waiting, COALESCE(SUM(state = 'admitted'), 0) AS active FROM queue").one();
    if (pending.waiting > 0) return { next: now + 1000, changed };
    if (pending.active > 0) {
      const end = this.sql.exec<{ t: number }>("SELECT MIN(session_ends_at) AS t FROM queue WHERE state = 'admitted'").one().t;
      return { next: Math.max(now + 1000, end), changed };
    }
    return { next: null, changed };
  }

  /** At the on-sale time, every pre-sale arrival is placed by a shuffle; true if it opened now. */
  private openIfDue(s: QueueSettings, now: number): boolean {
    if (this.meta.get("queue_opened") === "1" || now < Date.parse(s.on_sale_at)) return false;
    this.storage.transactionSync(() => {
      const early = this.sql.exec<{ user_id: string }>("SELECT user_id FROM queue WHERE position IS NULL ORDER BY joined_at").toArray().map((r) => r.user_id);
      for (const userId of shuffle(early, cryptoRandom)) {
        this.sql.exec("UPDATE queue SET position = ? WHERE user_id = ?", this.nextPosition(), userId);
      }
      this.meta.set("queue_opened", "1");
      this.meta.set("queue_last_tick", String(Date.parse(s.on_sale_at)));
    });
    return true;
  }

  private nextPosition(): number {
    const next = Number(this.meta.get("queue_next_position") ?? 1);
    this.meta.set("queue_next_position", String(next + 1));
    return next;
  }
}
