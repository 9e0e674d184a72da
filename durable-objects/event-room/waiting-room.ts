import {
  admissionForecast, admissionsDue, cryptoRandom, MAX_PROJECTED, PROJECTION_HEADROOM, projectAdmissions, shuffle, queueSettingsSchema, type AdmissionForecast, type QueueSettings,
} from "../../src/domain/waiting-room";
import { ok, refuse, type QueuePlace, type QueueWatermark, type Refusal, type RoomResult } from "./contract";
import type { Meta } from "./meta";

/**
 * An event's waiting room, inside its EventRoom (same thread, same storage as the seats).
 * Before the on-sale time arrivals get no number; at opening they are shuffled; after it,
 * numbers go in arrival order. A token bucket on the room's alarm admits places in order,
 * up to `max_active` shoppers at once. A shopper whose turn is over (they booked, or their
 * session ran out) may join again and gets a new place at the back. Every method is synchronous
 * over SQLite and takes the time as an input. Its tables are in schema.ts.
 */
export class WaitingRoom {
  /** The last forecast and what it was made from: recomputed after a tick, a leave or a rejoin, or when joins outgrow it. */
  private forecastCache: { version: number; horizon: number; value: AdmissionForecast } | null = null;
  private version = 0;
  private parsedSettings: { raw: string; settings: QueueSettings } | null = null;

  constructor(private readonly sql: SqlStorage, private readonly storage: DurableObjectStorage, private readonly meta: Meta) {}

  settings(): QueueSettings | null {
    const raw = this.meta.get("queue_settings");
    if (!raw) return null;
    // Read on every reservation: parsed once per change of the stored text.
    if (this.parsedSettings?.raw !== raw) this.parsedSettings = { raw, settings: queueSettingsSchema.parse(JSON.parse(raw)) };
    return this.parsedSettings.settings;
  }

  configure(settings: QueueSettings): void {
    this.meta.set("queue_settings", JSON.stringify(settings));
    this.version++;
  }

  /**
   * One place per account. Joining again while waiting or shopping keeps that place; joining
   * again after the turn is over (booked, or the session ran out) gives a new place after the
   * current last one: the old place is not kept. `wakeAt` is when the room's alarm should next run.
   */
  join(userId: string, now: number): RoomResult<{ place: QueuePlace; wakeAt: number }> {
    const s = this.settings();
    if (!s?.enabled) return refuse(409, "queue_not_enabled", "This event has no waiting room; book directly");
    this.openIfDue(s, now);
    const opened = this.meta.get("queue_opened") === "1";
    const wakeAt = opened ? now + 1000 : Date.parse(s.on_sale_at);
    const existing = this.place(userId, now);
    if (existing && existing.state !== "expired") return ok({ place: existing, wakeAt });
    const position = opened ? this.nextPosition() : null;
    // First in line after a quiet spell: the last forecast was made for an empty line, long ago.
    if (position !== null && position === Number(this.meta.get("queue_admitted_through") ?? 0) + 1) this.version++;
    if (existing) {
      this.sql.exec("UPDATE queue SET position = ?, state = 'waiting', joined_at = ?, admitted_at = NULL, session_ends_at = NULL WHERE user_id = ?", position, now, userId);
      this.version++;
    } else {
      this.sql.exec("INSERT INTO queue (user_id, joined_at, position) VALUES (?, ?, ?)", userId, now, position);
    }
    return ok({ place: { state: "waiting", position, sessionEndsAt: null }, wakeAt });
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
    const opened = this.meta.get("queue_opened") === "1";
    return {
      enabled: !!s?.enabled, opened, onSaleAt: s ? Date.parse(s.on_sale_at) : 0,
      admittedThrough: Number(this.meta.get("queue_admitted_through") ?? 0), admitPerMinute: s?.admit_per_minute ?? 0,
      forecast: s && opened ? this.forecast(s, now) : null,
    };
  }

  /**
   * When the places in line will be admitted, projected from the state of the last tick (the
   * bucket's carry, the sessions running) by `projectAdmissions`. Made at most once per change,
   * not once per poll: the edge caches it with the watermark.
   */
  private forecast(s: QueueSettings, now: number): AdmissionForecast {
    const through = Number(this.meta.get("queue_admitted_through") ?? 0);
    const issued = Number(this.meta.get("queue_next_position") ?? 1) - 1;
    const wanted = Math.min(issued, through + MAX_PROJECTED);
    const cached = this.forecastCache;
    if (cached && cached.version === this.version && wanted <= cached.horizon) return cached.value;
    const model = { admitPerMinute: s.admit_per_minute, maxActive: s.max_active, sessionMs: s.session_minutes * 60_000 };
    if (issued <= through) {
      // Nobody in line: nothing to project (the next joiner is first in line, which calls for a new one).
      const value = admissionForecast([], through, now, model);
      this.forecastCache = { version: this.version, horizon: through, value };
      return value;
    }
    const at = Number(this.meta.get("queue_last_tick") ?? Date.parse(s.on_sale_at));
    const ends = this.sql.exec<{ t: number }>("SELECT session_ends_at AS t FROM queue WHERE state = 'admitted' AND session_ends_at > ?", at).toArray().map((r) => r.t);
    const horizon = Math.min(issued + PROJECTION_HEADROOM, through + MAX_PROJECTED);
    const times = projectAdmissions({
      ...model, at, from: now, credit: Number(this.meta.get("queue_carry") ?? 0), activeEnds: ends, firstPosition: through + 1, lastPosition: horizon,
    });
    const value = admissionForecast(times, through, Math.max(now, at), model);
    this.forecastCache = { version: this.version, horizon, value };
    return value;
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
    if (p?.state === "expired") return refuse(403, "admission_expired", "Your shopping session has ended; join the queue again for a new place at the back of the line");
    return refuse(403, "queue_required", "You have not been admitted yet; keep your place in the queue");
  }

  /** A shopper who booked leaves the store: the slot goes to the next in line. */
  leave(userId: string): void {
    if (this.sql.exec("UPDATE queue SET state = 'done' WHERE user_id = ? AND state = 'admitted'", userId).rowsWritten > 0) this.version++;
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
      }
      changed ||= due.admit > 0 || lapsed > 0;
      this.meta.set("queue_carry", String(due.carry));
      this.meta.set("queue_last_tick", String(now));
    });
    this.version++;
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
    this.version++;
    return true;
  }

  private nextPosition(): number {
    const next = Number(this.meta.get("queue_next_position") ?? 1);
    this.meta.set("queue_next_position", String(next + 1));
    return next;
  }
}
