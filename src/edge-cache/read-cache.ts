/**
 * A per-isolate cache of public response bodies that many callers read at once (the event page,
 * the seat map), so that a hot event's readers do not each reach Postgres or the EventRoom.
 *
 * - A copy is served for `ttlMs` after the moment it was known current, and never once this
 *   isolate has changed what it shows (`changed`): a write through this isolate is read back at
 *   once, and a change anywhere else within the TTL.
 * - One fill per key at a time: concurrent misses wait for the fill under way (if it started
 *   after the key last changed here) instead of each making their own (stampede control).
 * - The last copy stays after it goes stale, so a fill can revalidate it (the seat map asks the
 *   room "changed since version v?" and reuses the bytes when not).
 * - Bounded: the oldest copies go when the bytes held pass `maxBytes`.
 *
 * Only bodies that are the same for every caller belong here; what depends on the caller (a
 * draft shown to its organizer) passes through a fill without being kept.
 */

export interface CachedBody<M = null> {
  /** The JSON body, encoded once. */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  /** What a fill can revalidate with (the room's seat-map version); null when it cannot. */
  version: string | null;
  /** When the body was known current (the room's answer, the row's arrival): a change after this may be missing from it. */
  filledAt: number;
  /** Facts about the body that readers need without parsing it. */
  meta: M;
}

/** What a fill found: a body to keep and serve to all, or something for this caller only. */
export type FillOutcome<M, P> = { cache: CachedBody<M> } | { pass: P };

/** How a request was answered: a fresh copy, its own fill, or another request's fill. */
export type Served = "hit" | "miss" | "shared";

interface Slot<M> { entry: CachedBody<M>; generation: number }
interface Flight<M, P> { generation: number; done: Promise<FillOutcome<M, P>> }

/** How long a request waits for another's fill before making its own (a fill that hangs must not hang its waiters). */
export const SHARED_FILL_WAIT_MS = 10_000;
const MAX_KEYS = 10_000;

export class ReadCache<M = null, P = never> {
  private readonly slots = new Map<string, Slot<M>>();
  private readonly generations = new Map<string, number>();
  private readonly flights = new Map<string, Flight<M, P>>();
  private bytes = 0;

  constructor(readonly ttlMs: number, private readonly maxBytes: number) {}

  private generation(key: string): number {
    return this.generations.get(key) ?? 0;
  }

  /** A copy younger than the TTL, made after the key last changed here; null otherwise. */
  fresh(key: string, now: number): CachedBody<M> | null {
    const slot = this.slots.get(key);
    if (!slot || slot.generation !== this.generation(key) || now - slot.entry.filledAt >= this.ttlMs) return null;
    return slot.entry;
  }

  /** The last copy, however old: what a fill revalidates. */
  last(key: string): CachedBody<M> | null {
    return this.slots.get(key)?.entry ?? null;
  }

  /** This isolate changed what `key` shows: no copy made before now is served again. */
  changed(key: string): void {
    if (this.generations.size >= MAX_KEYS && !this.generations.has(key)) {
      // Forgetting generations would make stale copies look current: forget the copies too.
      this.generations.clear();
      this.slots.clear();
      this.bytes = 0;
    }
    this.generations.set(key, this.generation(key) + 1);
  }

  /**
   * Fills `key` with `run` (given the last copy, to revalidate), or waits for the fill already
   * under way. `keepAlive` lets the fill outlive a request that is cancelled meanwhile (its
   * waiters still need it).
   */
  async fill(key: string, run: (last: CachedBody<M> | null) => Promise<FillOutcome<M, P>>, keepAlive: (p: Promise<unknown>) => void): Promise<{ outcome: FillOutcome<M, P>; served: Served }> {
    const generation = this.generation(key);
    const flight = this.flights.get(key);
    if (flight && flight.generation === generation) {
      // Its failure is theirs too (a database outage is not retried by every waiter at once).
      const shared = await withinMs(flight.done, SHARED_FILL_WAIT_MS);
      if (shared) return { outcome: shared.value, served: "shared" };
    }
    const done = run(this.last(key)).then((outcome) => {
      if ("cache" in outcome) this.store(key, outcome.cache, generation);
      return outcome;
    });
    const mine: Flight<M, P> = { generation, done };
    this.flights.set(key, mine);
    const settled = done.finally(() => {
      if (this.flights.get(key) === mine) this.flights.delete(key);
    });
    keepAlive(settled.catch(() => undefined));
    return { outcome: await settled, served: "miss" };
  }

  private store(key: string, entry: CachedBody<M>, generation: number): void {
    const old = this.slots.get(key);
    // A slower fill that started earlier must not replace a newer copy.
    if (old && old.entry.filledAt > entry.filledAt) return;
    if (old) this.bytes -= old.entry.body.byteLength;
    this.slots.delete(key);
    this.slots.set(key, { entry, generation });
    this.bytes += entry.body.byteLength;
    for (const [k, slot] of this.slots) {
      if (this.bytes <= this.maxBytes && this.slots.size <= MAX_KEYS) break;
      this.slots.delete(k);
      this.bytes -= slot.entry.body.byteLength;
    }
  }
}

/** The promise's value (or its rejection), or null if it did not settle within `ms`. */
async function withinMs<T>(p: Promise<T>, ms: number): Promise<{ value: T } | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([p.then((value) => ({ value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
