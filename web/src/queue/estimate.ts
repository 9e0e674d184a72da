/**
 * The waiting page's honest numbers, as pure functions (time is an input).
 *
 * The API's `estimated_wait_seconds` is an upper bound that counts down with the clock; each poll
 * re-estimates it. The page counts down from the latest estimate, taken against the moment its
 * answer arrived (never the server's clock: the two may differ). A later estimate within
 * `GROW_MIN_MS` or half the wait still shown is the API refining its guess (a poll's rounding,
 * or the place's position estimated anew across the queue's shards), not news: it is ignored,
 * so the wait never jumps up without reason. A bigger rise (the organizer slowed admission) is
 * taken, and the page says why.
 */
export const GROW_MIN_MS = 30_000;

export interface Estimate { at: number; grew: boolean }

/** The instant to count down to after a poll that said `waitSeconds`, answered at `receivedAt`. */
export function nextEstimate(shown: Estimate | null, waitSeconds: number, receivedAt: number): Estimate {
  const fresh = receivedAt + waitSeconds * 1000;
  if (!shown || fresh <= shown.at) return { at: fresh, grew: false };
  if (fresh - shown.at <= Math.max(GROW_MIN_MS, (shown.at - receivedAt) / 2)) return { at: shown.at, grew: false };
  return { at: fresh, grew: true };
}

/** Whole seconds left until `at` (never below zero). */
export const secondsLeft = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000));

/** How far through the line, 0–100, from the number ahead when the fan first saw it and now. */
export function progressPercent(firstAhead: number, ahead: number): number {
  if (firstAhead <= 0) return ahead <= 0 ? 100 : 0;
  return Math.round((Math.max(0, Math.min(firstAhead, firstAhead - ahead)) / firstAhead) * 100);
}
