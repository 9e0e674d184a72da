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

/** Seconds until `ahead` more shoppers are admitted, from the rate actually measured (or the setting before any). */
export function estimatedWaitSeconds(ahead: number, measuredPerMinute: number, settingPerMinute: number): number {
  const rate = measuredPerMinute > 0 ? measuredPerMinute : settingPerMinute;
  return ahead <= 0 ? 0 : Math.ceil((ahead / rate) * 60);
}
