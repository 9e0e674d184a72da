import type { LimitResult } from "./limiter";

export interface WindowState { start: number; current: number; previous: number }

/**
 * The sliding-window approximation Upstash uses: the previous fixed window's count, weighted by
 * how much of it still overlaps the last `windowMs`, plus the current window's count. Pure.
 */
export function slidingWindow(state: WindowState | null, limit: number, windowMs: number, now: number): { state: WindowState; result: LimitResult } {
  const start = Math.floor(now / windowMs) * windowMs;
  let s: WindowState;
  if (!state || start - state.start >= 2 * windowMs) s = { start, current: 0, previous: 0 };
  else if (start > state.start) s = { start, current: 0, previous: state.current };
  else s = { ...state };
  const weight = 1 - (now - start) / windowMs;
  const used = s.previous * weight + s.current;
  if (used >= limit) return { state: s, result: { success: false, remaining: 0, reset: start + windowMs } };
  s.current++;
  return { state: s, result: { success: true, remaining: Math.max(0, Math.floor(limit - used - 1)), reset: start + windowMs } };
}
