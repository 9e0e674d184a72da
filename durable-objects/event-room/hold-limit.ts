import { refuse, type Refusal } from "./contract";

/**
 * Seats in an account's open holds: reserved bookings whose time has not run out (a lapsed hold
 * counts for nothing even before the alarm expires it). A general-admission place counts as a seat.
 * Uses the bookings_by_user index (schema.ts).
 */
export function heldSeats(sql: SqlStorage, userId: string, now: number): number {
  return sql.exec<{ n: number }>(`
    SELECT COALESCE(SUM(json_extract(item.value, '$.quantity')), 0) AS n
    FROM bookings b, json_each(b.items) AS item
    WHERE b.user_id = ? AND b.status = 'reserved' AND b.expires_at > ?`, userId, now).one().n;
}

/**
 * One account may not sit on more than `cap` unpaid seats of an event at once: without this a
 * few accounts could hold most of a sale for the length of a hold, again and again. Paid seats
 * do not count. Call it in the same synchronous step as the hold it guards.
 */
export function holdLimitRefusal(held: number, wanted: number, cap: number): Refusal | null {
  if (held + wanted <= cap) return null;
  return refuse(409, "hold_limit_reached",
    `You hold ${held} unpaid seat${held === 1 ? "" : "s"} for this event and may hold at most ${cap} at once; pay for or cancel a hold first`,
    undefined, { held_seats: held, max_held_seats: cap });
}
