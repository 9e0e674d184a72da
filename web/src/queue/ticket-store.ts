import { session } from "../api/session";

/**
 * A fan's place in an event's waiting room and, once admitted, their admission token, kept in
 * sessionStorage: a reload (or the app navigating away and back) keeps the place, as the API
 * expects the queue token to be sent on every poll; another tab joins again, which the API
 * answers with the same place. Dropped when the fan signs out, so the next account on this
 * browser never polls with someone else's place.
 */
export interface QueueTicket {
  queue_token: string;
  /** People ahead at the first poll: the progress bar's start. */
  first_ahead: number | null;
}
export interface Admission { token: string; ends_at: string }

const ticketKey = (eventId: string) => `tp.queue.${eventId}`;
const admissionKey = (eventId: string) => `tp.admission.${eventId}`;
const sessionOverKey = (eventId: string) => `tp.sessionover.${eventId}`;

function read<T>(key: string, valid: (v: unknown) => v is T): T | null {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(key) ?? "null");
    return valid(v) ? v : null;
  } catch {
    return null;
  }
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isTicket = (v: unknown): v is QueueTicket =>
  isObject(v) && typeof v.queue_token === "string" && (v.first_ahead === null || typeof v.first_ahead === "number");
const isAdmission = (v: unknown): v is Admission => isObject(v) && typeof v.token === "string" && typeof v.ends_at === "string";

export const queueTickets = {
  ticket: (eventId: string): QueueTicket | null => read(ticketKey(eventId), isTicket),
  saveTicket: (eventId: string, t: QueueTicket): void => sessionStorage.setItem(ticketKey(eventId), JSON.stringify(t)),
  dropTicket: (eventId: string): void => sessionStorage.removeItem(ticketKey(eventId)),
  /** The admission token while its shopping session runs (`now` in ms). */
  admission(eventId: string, now: number): Admission | null {
    const a = read(admissionKey(eventId), isAdmission);
    return a && Date.parse(a.ends_at) > now ? a : null;
  },
  /** Whether this tab holds an admission, running or not. */
  hasAdmission: (eventId: string): boolean => read(admissionKey(eventId), isAdmission) !== null,
  /** Whether this tab had an admission whose shopping time is over (it is kept until the waiting page drops it). */
  admissionEnded: (eventId: string, now: number): boolean => queueTickets.hasAdmission(eventId) && !queueTickets.admission(eventId, now),
  saveAdmission(eventId: string, a: Admission): void {
    sessionStorage.setItem(admissionKey(eventId), JSON.stringify(a));
    sessionStorage.removeItem(sessionOverKey(eventId));
  },
  /** The shopping time ran out: the admission goes, and the waiting page says why until the next admission. */
  endSession(eventId: string): void {
    sessionStorage.removeItem(admissionKey(eventId));
    sessionStorage.setItem(sessionOverKey(eventId), "1");
  },
  sessionOver: (eventId: string): boolean => sessionStorage.getItem(sessionOverKey(eventId)) !== null,
  dropAdmission: (eventId: string): void => sessionStorage.removeItem(admissionKey(eventId)),
  clearAll(): void {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith("tp.queue.") || key.startsWith("tp.admission.") || key.startsWith("tp.sessionover.")) sessionStorage.removeItem(key);
  },
};

session.subscribe(() => { if (!session.signedIn()) queueTickets.clearAll(); });
