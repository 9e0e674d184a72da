import type { Refusal } from "./room-types";

/** A refusal the Worker turns into a problem document. */
export function refuse(status: Refusal["status"], code: string, detail: string, unavailable?: string[], extras?: Refusal["extras"]): Refusal {
  return { ok: false, status, code, detail, ...(unavailable ? { unavailable_seats: unavailable } : {}), ...(extras ? { extras } : {}) };
}
