import { z } from "zod";
import { instant, int } from "./input";

/** An event's waiting-room settings, as organizers set them. */
export const queueSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  on_sale_at: instant(),
  admit_per_minute: int(1, 1_000_000),
  max_active: int(1, 1_000_000),
  session_minutes: int(1, 120),
});
export type QueueSettings = z.output<typeof queueSettingsSchema>;

export const DEFAULT_QUEUE: Omit<QueueSettings, "on_sale_at"> = { enabled: false, admit_per_minute: 600, max_active: 1000, session_minutes: 10 };

/**
 * How many to admit now: a token bucket filled at `admitPerMinute`, never letting more than
 * `maxActive` shop at once. `carry` is the fractional credit left from earlier ticks, so a rate
 * of 90/min admits 1 or 2 per second and exactly 90 a minute. Credit does not pile up while
 * nobody waits or the store is full: the cap is two seconds' worth plus one, so a late tick
 * (alarms are ~1 s apart, not exactly) loses nothing, and an idle hour does not become a burst.
 */
export function admissionsDue(p: { admitPerMinute: number; elapsedMs: number; carry: number; active: number; maxActive: number; waiting: number }): { admit: number; carry: number } {
  const perMs = p.admitPerMinute / 60_000;
  const cap = Math.max(1, p.admitPerMinute / 30) + 1;
  const credit = Math.min(cap, p.carry + perMs * Math.max(0, p.elapsedMs));
  const room = Math.max(0, p.maxActive - p.active);
  const admit = Math.max(0, Math.min(Math.floor(credit), room, p.waiting));
  return { admit, carry: credit - admit };
}

/** Fisher–Yates with a caller-supplied source of randomness (crypto in production, seeded in tests). */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Uniform in [0, 1) from WebCrypto. */
export function cryptoRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

// ---------------------------------------------------------------- the honest wait

/**
 * How late the room may act on a moment: its alarm ticks about once a second (plus a little
 * lateness), so a place whose credit and slot are ready is admitted at most this much later, and a
 * session that ended frees its slot at most this much later.
 */
export const TICK_LAG_MS = 1250;
/** Places projected past the last one issued, so joins between two ticks still find themselves. */
export const PROJECTION_HEADROOM = 500;
/** Beyond this many places the tail is extrapolated (keeps a tick's work bounded). */
export const MAX_PROJECTED = 200_000;

export interface AdmissionState {
  /** When this state holds: the room's last tick. */
  at: number;
  /** Admission credit left in the bucket at `at` (the carry). */
  credit: number;
  /** Project from here on (now), when later than `at`: credit accrued meanwhile is capped as the next tick will cap it. */
  from?: number;
  admitPerMinute: number;
  maxActive: number;
  sessionMs: number;
  /** When the sessions of the shoppers inside end. */
  activeEnds: readonly number[];
  /** The first place not admitted yet (admitted_through + 1) and the last one to project. */
  firstPosition: number;
  lastPosition: number;
}

/**
 * When each place from `firstPosition` on will have been admitted, at the latest, if nobody
 * leaves early: the same token bucket as `admissionsDue` (credit at `admitPerMinute`, capped at
 * two seconds' worth plus one while nobody can be let in), run in continuous time, with a slot
 * freed one tick lag after a session ends and a new shopper's session running `sessionMs` from
 * their admission. Each time is taken one tick lag late, so the room's discrete ticks are never
 * later than projected: an early leave or a punctual tick can only bring a place forward.
 */
export function projectAdmissions(s: AdmissionState): number[] {
  const perMs = s.admitPerMinute / 60_000;
  const cap = Math.max(1, s.admitPerMinute / 30) + 1;
  // Two sorted queues of slot-free times: the shoppers inside now, then the ones projected in.
  const inside = s.activeEnds.map((e) => e + TICK_LAG_MS).sort((a, b) => a - b);
  const projected: number[] = [];
  let i = 0;
  let j = 0;
  const occupied = () => inside.length - i + projected.length - j;
  const nextFree = () => (i < inside.length && (j >= projected.length || inside[i]! <= projected[j]!) ? inside[i]! : projected[j]!);
  const release = (t: number) => {
    while (i < inside.length && inside[i]! <= t) i++;
    while (j < projected.length && projected[j]! <= t) j++;
  };
  // After a quiet spell (no tick since `at`), the next tick finds at most `cap` credit, not an hour's worth.
  let t = Math.max(s.at, s.from ?? s.at);
  let credit = Math.min(cap, Math.max(0, s.credit) + perMs * (t - s.at));
  const times: number[] = [];
  for (let p = s.firstPosition; p <= s.lastPosition; p++) {
    release(t);
    while (occupied() >= s.maxActive) {
      const free = nextFree();
      credit = Math.min(cap, credit + perMs * (free - t));
      t = free;
      release(t);
    }
    if (credit < 1) {
      t += (1 - credit) / perMs;
      credit = 1;
    }
    credit -= 1;
    const admitted = t + TICK_LAG_MS;
    times.push(admitted);
    projected.push(admitted + s.sessionMs + TICK_LAG_MS);
  }
  return times;
}

/**
 * A compact projection the edge caches: place p is admitted by `base + offsets[k]` seconds for
 * the first k with `places[k] >= p`. The instants are lines of a grid that is one second wide
 * for the next 32 seconds and coarser further out (about a sixteenth of the distance, in powers
 * of two, aligned to absolute time), so a line drawn once stays a line when drawn again later:
 * while nothing changes, a place's time can only stay or move earlier, and the wait shown counts
 * down with the clock instead of jumping about.
 */
export interface AdmissionForecast {
  /** A whole second (ms since the epoch) the offsets count from. */
  base: number;
  /** Every place up to this one had been admitted when the forecast was made. */
  through: number;
  /** The last place projected: beyond it the forecast only guesses, and a fresher one should be fetched. */
  horizon: number;
  /** Grid lines, in seconds after base, at which the number of places admitted grows; increasing. */
  offsets: number[];
  /** The last place admitted by each of those lines; increasing. */
  places: number[];
  /** Past the last point: a slow steady pace, in ms per place. */
  msPerPlace: number;
}

const SECOND = 1000;

/** The grid's spacing at `ahead` ms from when it is drawn: 1 s up to 32 s, then h/16 rounded down to a power of two. */
function gridSpacing(ahead: number): number {
  const octave = Math.floor(Math.log2(Math.max(1, ahead) / (16 * SECOND)));
  return SECOND * 2 ** Math.max(0, octave);
}

/** The first grid line after `after`, for a grid drawn at `drawnAt`. */
export function nextGridLine(after: number, drawnAt: number): number {
  let line = Math.floor(after / SECOND) * SECOND + SECOND;
  for (;;) {
    const spacing = gridSpacing(line - drawnAt);
    if (line % spacing === 0) return line;
    line = Math.ceil(line / spacing) * spacing;
  }
}

/** Compresses projected admission times (for places `through + 1` on) onto the grid drawn at `now`. */
export function admissionForecast(times: readonly number[], through: number, now: number, s: { admitPerMinute: number; maxActive: number; sessionMs: number }): AdmissionForecast {
  const base = Math.floor(now / SECOND) * SECOND;
  const offsets: number[] = [];
  const places: number[] = [];
  let line = nextGridLine(now, now);
  let k = 0;
  while (k < times.length) {
    while (k < times.length && times[k]! <= line) k++;
    if (k > 0 && (places.length === 0 || places[places.length - 1]! < through + k)) {
      offsets.push((line - base) / SECOND);
      places.push(through + k);
    }
    line = nextGridLine(line, now);
  }
  // The long-run pace, taken slow: the bucket's rate, or every slot turning over once a session (plus the lags).
  const msPerPlace = Math.max(60_000 / s.admitPerMinute, (s.sessionMs + 2 * TICK_LAG_MS) / s.maxActive);
  return { base, through, horizon: through + times.length, offsets, places, msPerPlace };
}

/** The instant by which `position` will have been admitted, at the latest, by the forecast (ms since the epoch). */
export function expectedAdmissionAt(f: AdmissionForecast, position: number): number {
  if (position <= f.through) return f.base;
  let lo = 0;
  let hi = f.places.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f.places[mid]! >= position) hi = mid;
    else lo = mid + 1;
  }
  if (lo < f.places.length) return f.base + f.offsets[lo]! * SECOND;
  const n = f.places.length;
  const [offset, last] = n ? [f.offsets[n - 1]!, f.places[n - 1]!] : [0, f.through];
  return f.base + offset * SECOND + Math.ceil((position - last) * f.msPerPlace);
}

/** Whole seconds from `now` until `at`, never negative. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / SECOND));
}
