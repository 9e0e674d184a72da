/**
 * Reminder timing, as pure functions of the start date and `now`.
 *
 * Two reminders per booking and start date: the "week" one once the start is at most seven days
 * (and more than one day) away, the "day" one in the last day. Each names the real time left,
 * so a show booked two days ahead reads "D-2", never "D-7".
 */
const HOUR = 3600_000;
const DAY = 24 * HOUR;

export type ReminderSlot = "week" | "day";
export type TimeLeft = { unit: "days" | "hours"; n: number };

/** Which reminder is due now, if any. */
export function reminderSlot(start: Date, now: Date): ReminderSlot | null {
  const left = start.getTime() - now.getTime();
  if (left <= 0) return null;
  if (left <= DAY) return "day";
  return left <= 7 * DAY ? "week" : null;
}

/** Whole days to the start, or whole hours on the last day (never 0: a minute away reads "1 hour"). */
export function timeLeft(start: Date, now: Date): TimeLeft {
  const left = Math.max(0, start.getTime() - now.getTime());
  const hours = Math.round(left / HOUR);
  if (hours < 24) return { unit: "hours", n: Math.max(1, hours) };
  return { unit: "days", n: Math.max(1, Math.round(left / DAY)) };
}

/** The window a reminder slot covers, for querying bookings: (from, to] after `now`. */
export function slotWindow(slot: ReminderSlot, now: Date): { after: Date; until: Date } {
  const t = now.getTime();
  return slot === "day" ? { after: now, until: new Date(t + DAY) } : { after: new Date(t + DAY), until: new Date(t + 7 * DAY) };
}
