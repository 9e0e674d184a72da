import type { Page } from "@playwright/test";
import { api, eventually, type Session } from "../support/api";

/**
 * Signs a browser page in as an account the API registered: the app keeps the refresh token in
 * localStorage and gets an access token with it on the next load. Set once (not by an init
 * script): refresh tokens rotate, and replaying the first one would revoke the session.
 */
export async function signIn(page: Page, fan: Session, lang: "ko" | "en" = "ko", base = ""): Promise<void> {
  await page.goto(`${base}/`);
  await page.evaluate(([token, l]) => { localStorage.setItem("tp.refresh", token); localStorage.setItem("tp.lang", l); }, [fan.refresh, lang] as const);
}

/** A second session of the same account (another device or tab signed in on its own): its own refresh token. */
export async function secondSession(fan: Session, base?: string): Promise<Session> {
  const r = await api<{ access_token: string; refresh_token: string }>("/api/auth/login", { body: { email: fan.email, password: "correct horse battery" }, ...(base ? { base } : {}) });
  if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
  return { ...fan, access: r.body.access_token, refresh: r.body.refresh_token };
}

export type Booking = { booking_id: string; event_id: string; status: string; seats: string[]; payment: { payment_intent_id: string; status: string } | null };

/** A hold made over the API (the checkout is left for the app to open). */
export async function holdSeats(fan: Session, eventId: string, seat_ids: string[], base?: string): Promise<Booking> {
  const r = await api<Booking>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids }, ...(base ? { base } : {}) });
  if (r.status !== 201) throw new Error(`hold failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Polls the booking (as its buyer) until it reads `want`. */
export const bookingBecomes = (fan: Session, bookingId: string, want: string, base?: string) => eventually(async () => {
  const r = await api<Booking>(`/api/bookings/${bookingId}`, { token: fan.access, ...(base ? { base } : {}) });
  return r.status === 200 && r.body.status === want ? r.body : undefined;
}, 60_000, `booking ${bookingId} to become ${want}`);
