/**
 * The room's last hour for the organizer's dashboard (src/domain/live-history.ts): a ring of
 * 5-second buckets, each the room's figures at its last sample. Kept in memory and sampled at most
 * once a second: on the alarms the room runs anyway after a change (the outbox's flush, the
 * queue's tick) and when the live feed pushes. A change only sets a flag: the reserve path gets no
 * extra work, write or alarm from it. Persisted every PERSIST_MS to its own table (only the
 * buckets filled since), so an evicted room loses at most that much of the hour's shape: counters
 * are cumulative, so the next sample still gets every total right.
 */
import { BUCKET_MS, bucketOf, historyOf, recordSample, WINDOW_MS, type LiveSample } from "../../src/domain/live-history";
import type { TimedPart } from "./timers";

const SAMPLE_MS = 1000;
const PERSIST_MS = 30_000;

export type LiveFigures = Omit<LiveSample, "t" | "at">;

export interface LiveHistoryDeps {
  sql: SqlStorage;
  /** The room's figures now (reads only). */
  figures: (now: number) => LiveFigures;
}

export class LiveHistory implements TimedPart {
  readonly name = "live_history";
  private loaded: Map<number, LiveSample> | null = null;
  private unsaved = new Set<number>();
  private forgotten: number[] = [];
  private last: LiveSample | null = null;
  private lastPersist = 0;
  private changed = false;

  constructor(private readonly deps: LiveHistoryDeps) {}

  /** Something the dashboard shows changed: sampled on the next alarm (the change's own), or a second after the last sample. */
  touch(): void {
    this.changed = true;
  }

  /** The latest sample, taken now if the last is older than a second. */
  current(now: number): LiveSample {
    if (this.last && now - this.last.at < SAMPLE_MS) return this.last;
    return this.sample(now);
  }

  /** The hour, oldest first. */
  history(now: number): LiveSample[] {
    this.current(now);
    return historyOf(this.ring());
  }

  tick(now: number): number | null {
    if (this.changed && (!this.last || now - this.last.at >= SAMPLE_MS)) this.sample(now);
    if (now - this.lastPersist >= PERSIST_MS) this.persist(now);
    const times: number[] = [];
    if (this.changed && this.last) times.push(this.last.at + SAMPLE_MS);
    if (this.unsaved.size || this.forgotten.length) times.push(this.lastPersist + PERSIST_MS);
    return times.length ? Math.min(...times) : null;
  }

  private sample(now: number): LiveSample {
    const s: LiveSample = { t: bucketOf(now), at: now, ...this.deps.figures(now) };
    this.forgotten.push(...recordSample(this.ring(), s));
    this.unsaved.add(s.t);
    this.last = s;
    this.changed = false;
    return s;
  }

  private ring(): Map<number, LiveSample> {
    if (this.loaded) return this.loaded;
    const ring = new Map<number, LiveSample>();
    const since = Date.now() - WINDOW_MS - BUCKET_MS;
    for (const r of this.deps.sql.exec<{ sample: string }>("SELECT sample FROM live_history WHERE t >= ? ORDER BY t", since)) {
      const s = JSON.parse(r.sample) as LiveSample;
      ring.set(s.t, s);
    }
    this.loaded = ring;
    return ring;
  }

  /** Writes the buckets filled since the last persist and forgets those past the hour. */
  private persist(now: number): void {
    this.lastPersist = now;
    const ring = this.ring();
    for (const t of this.unsaved) {
      const s = ring.get(t);
      if (s) this.deps.sql.exec("INSERT INTO live_history (t, sample) VALUES (?, ?) ON CONFLICT(t) DO UPDATE SET sample = excluded.sample", t, JSON.stringify(s));
    }
    this.unsaved.clear();
    if (this.forgotten.length) this.deps.sql.exec("DELETE FROM live_history WHERE t < ?", now - WINDOW_MS - BUCKET_MS);
    this.forgotten = [];
  }
}
