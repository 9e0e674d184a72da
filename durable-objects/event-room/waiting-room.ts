import {
  admissionForecast, admissionsDue, cryptoRandom, MAX_PROJECTED, PROJECTION_HEADROOM, projectAdmissions, queueSettingsSchema, type AdmissionForecast, type QueueSettings,
} from "../../src/domain/waiting-room";
import { mergeAdmissions, type ShardLine, type ShardMark } from "../../src/domain/queue-shards";
import { refuse, type QueuePlace, type QueueWatermark, type Refusal } from "./contract";
import type { Meta } from "./meta";

/** Places pulled from one shard per tick beyond its share of the admissions due (see `pullLimit`). */
const PULL_SLACK = 64;

/**
 * An event's waiting room as the EventRoom sees it (same thread, same storage as the seats). The
 * line itself is spread over K queue shards (durable-objects/queue-shard), which take the joins;
 * the room is the only one to admit. On its tick it pulls every shard's front and lets in, by a
 * token bucket, up to `max_active` shoppers at once: pre-sale arrivals in a uniformly random order
 * across shards, later ones in the order they joined (`mergeAdmissions`). Everyone it lets in gets
 * the next admission number (`position`) and a session here; booking ends the session. It keeps,
 * per shard, how far that shard's line has been admitted (`through`) and how many wait: the edge
 * answers status polls from those. Every method is synchronous over SQLite and takes the time as
 * an input. Its tables are in schema.ts.
 */
export class WaitingRoom {
  /** The last forecast and what it was made from: recomputed after a tick or a leave, or when the line outgrows it. */
  private forecastCache: { version: number; horizon: number; value: AdmissionForecast; emptyAt: number | null } | null = null;
  private version = 0;
  private parsedSettings: { raw: string; settings: QueueSettings } | null = null;

  constructor(private readonly sql: SqlStorage, private readonly storage: DurableObjectStorage, private readonly meta: Meta, private readonly random: () => number = cryptoRandom) {}

  settings(): QueueSettings | null {
    const raw = this.meta.get("queue_settings");
    if (!raw) return null;
    // Read on every reservation: parsed once per change of the stored text.
    if (this.parsedSettings?.raw !== raw) this.parsedSettings = { raw, settings: queueSettingsSchema.parse(JSON.parse(raw)) };
    return this.parsedSettings.settings;
  }

  /**
   * Stores the settings. The number of shards is fixed the first time (`shards`, from the
   * deployment's config then): every account's shard is its id hashed modulo K, so changing K
   * while anyone waits would look for their places in the wrong shards.
   */
  configure(settings: QueueSettings, shards: number): void {
    this.meta.set("queue_settings", JSON.stringify(settings));
    if (this.meta.get("queue_shards") === null) this.meta.set("queue_shards", String(shards));
    this.version++;
  }

  /** K, the event's number of queue shards (0 before its queue was first configured). */
  shardCount(): number {
    return Number(this.meta.get("queue_shards") ?? 0);
  }

  /** Per shard: admitted through which place, and how many waited at the last tick. */
  marks(): ShardMark[] {
    const rows = new Map(this.sql.exec<{ shard: number; through: number; waiting: number }>("SELECT shard, through, waiting FROM queue_shards").toArray().map((r) => [r.shard, r]));
    return Array.from({ length: this.shardCount() }, (_, k) => ({ through: rows.get(k)?.through ?? 0, waiting: rows.get(k)?.waiting ?? 0 }));
  }

  /** An admitted account's session, or a turn that is over; null for an account the room never let in. */
  place(userId: string, now: number): QueuePlace | null {
    const row = this.sql.exec<{ position: number | null; state: string; session_ends_at: number | null }>(
      "SELECT position, state, session_ends_at FROM queue WHERE user_id = ?", userId).toArray()[0];
    if (!row) return null;
    if (row.state === "admitted" && (row.session_ends_at ?? 0) > now) return { state: "admitted", position: row.position, sessionEndsAt: row.session_ends_at };
    return { state: "expired", position: row.position, sessionEndsAt: row.session_ends_at };
  }

  watermark(now: number): QueueWatermark {
    const s = this.settings();
    const opened = !!s && now >= Date.parse(s.on_sale_at);
    return {
      enabled: !!s?.enabled, opened, onSaleAt: s ? Date.parse(s.on_sale_at) : 0,
      admittedThrough: this.admittedThrough(), admitPerMinute: s?.admit_per_minute ?? 0,
      forecast: s && opened ? this.forecast(s, now) : null, shards: this.marks(),
    };
  }

  /**
   * When the places in line will be admitted, projected from the state of the last tick (the
   * bucket's carry, the sessions running) by `projectAdmissions`, over the whole line (all shards,
   * in the order the room admits them). Made at most once per change, not once per poll: the edge
   * caches it with the watermark.
   */
  private forecast(s: QueueSettings, now: number): AdmissionForecast {
    const through = this.admittedThrough();
    const issued = through + this.waitingTotal();
    const wanted = Math.min(issued, through + MAX_PROJECTED);
    const cached = this.forecastCache;
    // A forecast made for an empty line is redone a second later: joins reach the room only on its
    // next tick, and the first joiners after a quiet spell must not be shown an instant long past.
    const stale = cached?.emptyAt !== null && cached?.emptyAt !== undefined && now - cached.emptyAt >= 1000;
    if (cached && cached.version === this.version && wanted <= cached.horizon && !stale) return cached.value;
    const model = { admitPerMinute: s.admit_per_minute, maxActive: s.max_active, sessionMs: s.session_minutes * 60_000 };
    const at = Number(this.meta.get("queue_last_tick") ?? Date.parse(s.on_sale_at));
    const ends = this.sql.exec<{ t: number }>("SELECT session_ends_at AS t FROM queue WHERE state = 'admitted' AND session_ends_at > ?", at).toArray().map((r) => r.t);
    // Joins reach the room only on its next tick: project past the known line for them.
    const horizon = Math.min(issued + PROJECTION_HEADROOM, through + MAX_PROJECTED);
    const times = projectAdmissions({
      ...model, at, from: now, credit: Number(this.meta.get("queue_carry") ?? 0), activeEnds: ends, firstPosition: through + 1, lastPosition: horizon,
    });
    const value = admissionForecast(times, through, Math.max(now, at), model);
    this.forecastCache = { version: this.version, horizon, value, emptyAt: issued <= through ? now : null };
    return value;
  }

  /** Joined and waiting as the shards reported them at the last tick; admitted and active from the room's own rows. */
  counts(now: number): { joined: number; waiting: number; admitted: number; active: number } {
    const line = this.sql.exec<{ joined: number; waiting: number }>("SELECT COALESCE(SUM(joined), 0) AS joined, COALESCE(SUM(waiting), 0) AS waiting FROM queue_shards").one();
    const inside = this.sql.exec<{ admitted: number; active: number }>(`
      SELECT COUNT(*) AS admitted, COALESCE(SUM(state = 'admitted' AND session_ends_at > ?), 0) AS active FROM queue`, now).one();
    return { joined: line.joined, waiting: line.waiting, ...inside };
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

  /**
   * What the next tick should pull: each shard's line past its watermark, and how many places of
   * each (its share of the most this tick can admit, with slack; the merge stops short rather than
   * guess when a shard's share runs out). Null while the queue is off or not yet open.
   */
  pullPlan(now: number): { after: number[]; limit: number } | null {
    const s = this.settings();
    if (!s?.enabled || now < Date.parse(s.on_sale_at)) return null;
    const active = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM queue WHERE state = 'admitted' AND session_ends_at > ?", now).one().n;
    const most = Math.max(0, Math.min(Math.floor(Math.max(1, s.admit_per_minute / 30) + 1), s.max_active - active));
    const k = Math.max(1, this.shardCount());
    return { after: this.marks().map((m) => m.through), limit: k === 1 ? most : Math.min(most, Math.ceil((2 * most) / k) + PULL_SLACK) };
  }

  /**
   * The clock, with the shards' lines as pulled (null for a shard that did not answer: nobody is
   * admitted on such a tick, so the order across shards stays fair; the next tick tries again).
   * Lapses sessions, admits at the set rate, records per shard how far it got. Returns when to run again.
   */
  tick(lines: readonly (ShardLine | null)[] | null, now: number): { next: number | null; changed: boolean; marks: ShardMark[] } {
    const s = this.settings();
    if (!s?.enabled) return { next: null, changed: false, marks: [] };
    const onSale = Date.parse(s.on_sale_at);
    if (now < onSale) return { next: onSale, changed: false, marks: [] };
    let changed = false;
    this.storage.transactionSync(() => {
      const lapsed = this.sql.exec("UPDATE queue SET state = 'lapsed' WHERE state = 'admitted' AND session_ends_at <= ?", now).rowsWritten;
      const last = Math.max(onSale, Number(this.meta.get("queue_last_tick") ?? onSale));
      const complete = lines?.every((l) => l !== null) ? lines.filter((l) => l !== null) : null;
      let admitted = 0;
      if (complete) {
        const marks = this.marks();
        const active = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM queue WHERE state = 'admitted'").one().n;
        const due = admissionsDue({
          admitPerMinute: s.admit_per_minute, elapsedMs: now - last, carry: Number(this.meta.get("queue_carry") ?? 0),
          active, maxActive: s.max_active, waiting: complete.reduce((a, l) => a + l.waiting, 0),
        });
        const picks = mergeAdmissions(complete, due.admit, this.random);
        let through = this.admittedThrough();
        const taken = complete.map(() => 0);
        const lastSeq = marks.map((m) => m.through);
        for (const { shard, head } of picks) {
          through++;
          taken[shard]!++;
          lastSeq[shard] = head.seq;
          this.sql.exec(`INSERT INTO queue (user_id, joined_at, position, state, admitted_at, session_ends_at) VALUES (?, ?, ?, 'admitted', ?, ?)
            ON CONFLICT(user_id) DO UPDATE SET joined_at = excluded.joined_at, position = excluded.position, state = 'admitted', admitted_at = excluded.admitted_at, session_ends_at = excluded.session_ends_at`,
          head.userId, head.joinedAt, through, now, now + s.session_minutes * 60_000);
        }
        complete.forEach((l, k) => {
          this.sql.exec(`INSERT INTO queue_shards (shard, through, waiting, joined) VALUES (?, ?, ?, ?)
            ON CONFLICT(shard) DO UPDATE SET through = excluded.through, waiting = excluded.waiting, joined = excluded.joined`,
          k, lastSeq[k] ?? 0, l.waiting - taken[k]!, l.joined);
        });
        this.meta.set("queue_admitted_through", String(through));
        // Credit not used for lack of places known this tick stays in the bucket (capped as always).
        this.meta.set("queue_carry", String(due.carry + (due.admit - picks.length)));
        admitted = picks.length;
      }
      changed = admitted > 0 || lapsed > 0;
      this.meta.set("queue_last_tick", String(now));
    });
    this.version++;
    const active = this.sql.exec<{ n: number; t: number | null }>("SELECT COUNT(*) AS n, MIN(session_ends_at) AS t FROM queue WHERE state = 'admitted'").one();
    const marks = this.marks();
    let next: number | null = null;
    if (marks.some((m) => m.waiting > 0) || !lines?.every((l) => l !== null)) next = now + 1000;
    else if (active.n > 0) next = Math.max(now + 1000, active.t ?? now);
    return { next, changed, marks };
  }

  private admittedThrough(): number {
    return Number(this.meta.get("queue_admitted_through") ?? 0);
  }

  private waitingTotal(): number {
    return this.sql.exec<{ n: number }>("SELECT COALESCE(SUM(waiting), 0) AS n FROM queue_shards").one().n;
  }
}
