/**
 * One alarm per object, shared by the room's parts. A part that needs time says when (`wake`);
 * the alarm is kept at the earliest such time. When it fires, every part's `tick` runs (each is
 * idempotent and does nothing when nothing of its own is due, so an early, late or repeated
 * alarm is harmless) and returns when that part next needs time; the earliest is armed again.
 * Recomputing from every part on each alarm, instead of trusting a stored due time per part,
 * also heals a wake that was missed.
 */
import { describeError } from "../../src/describe-error";
import type { Logger } from "../../src/log";

/** A part of the room that needs the clock: runs what is due at `now`; returns when it next needs to run (null: not until something changes). */
export interface TimedPart {
  readonly name: string;
  tick(now: number): Promise<number | null> | number | null;
}

/** How soon a part whose tick threw runs again (its own work is retried; the others are not held up). */
const FAILED_PART_RETRY_MS = 1000;

export class AlarmClock {
  private armedAt: number | null = null;
  private wanted: number | null = null;
  private queued = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the alarm already set (from the constructor's blockConcurrencyWhile). */
  async load(): Promise<void> {
    this.armedAt = await this.storage.getAlarm();
  }

  /**
   * Something is due at `at`. Safe inside a storage transaction: the alarm is written just after
   * the current synchronous step (a microtask), once for however many wakes it asked for.
   */
  readonly wake = (at: number): void => {
    if (this.wanted === null || at < this.wanted) this.wanted = at;
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => this.arm());
  };

  /** Sets the alarm if what is wanted is earlier than what is set. */
  arm(): void {
    this.queued = false;
    const at = this.wanted;
    this.wanted = null;
    if (at === null || (this.armedAt !== null && this.armedAt <= at)) return;
    this.armedAt = at;
    void this.storage.setAlarm(at);
  }

  /** Runs every part in order and arms the earliest time any of them asks for. */
  async run(parts: readonly TimedPart[], log: Logger): Promise<void> {
    // The alarm that fired is gone: nothing is set until a part asks again.
    this.armedAt = null;
    const now = Date.now();
    for (const part of parts) {
      let next: number | null;
      try {
        next = await part.tick(now);
      } catch (e) {
        log.warn("room part failed on its alarm; retrying", { part: part.name, error: describeError(e) });
        next = Date.now() + FAILED_PART_RETRY_MS;
      }
      if (next !== null) this.wake(next);
    }
    this.arm();
  }
}
