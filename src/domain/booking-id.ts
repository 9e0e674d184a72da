/**
 * Booking ids carry their event's address: the first 48 bits of a booking id are the first 48
 * bits of its event's id, the rest is random (74 bits, laid out as a version-4 UUID). So the
 * Worker can find a booking's room from the id alone, before the room's outbox has written the
 * booking to Postgres (a 201 must be readable at once by its owner). Pure: randomness is an input.
 */
const EVENT_PART = 13; // "xxxxxxxx-xxxx": 48 bits of the event id, dash included

/** A new booking id for `eventId` from 16 random bytes. */
export function newBookingId(eventId: string, random: Uint8Array): string {
  const hex = Array.from(random.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  const variant = ((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  // An event id that is not a UUID (never from the API) gets a random prefix: still a valid id.
  const prefix = /^[0-9a-f]{8}-[0-9a-f]{4}/i.test(eventId) ? eventId.slice(0, EVENT_PART).toLowerCase() : `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
  return `${prefix}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The range of event ids a booking id may belong to (the ids sharing its first 48 bits), as
 * inclusive UUID bounds for an index range scan. Ids made before this scheme match no event
 * (or, rarely, a wrong one, which holds no such booking).
 */
export function eventIdRange(bookingId: string): { from: string; to: string } {
  const prefix = bookingId.slice(0, EVENT_PART).toLowerCase();
  return { from: `${prefix}-0000-0000-000000000000`, to: `${prefix}-ffff-ffff-ffffffffffff` };
}
