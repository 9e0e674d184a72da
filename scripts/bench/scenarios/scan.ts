/**
 * Gate scans as the API serves them (issue 11 item 7): a gate account of a general-admission
 * event scans each ticket once (auth, the event's gate check, the EventRoom's verify-and-admit),
 * held to the empty Durable Object call of the same run. Prepared untimed: tickets bought and paid
 * through the simulator, each bound to a phone key; codes are made just before each part runs, so
 * none is stale by the time it is scanned (codes live 30 s).
 */
import { performance } from "node:perf_hooks";
import { fromBase64Url, toBase64Url } from "../../../src/domain/tickets/bytes";
import { makeTicketCode } from "../../../src/domain/tickets/code";
import { generateDeviceKey } from "../../../src/domain/tickets/keys";
import { CATCH_UP_TIMEOUT_MS, REGISTER_CONCURRENCY } from "../config";
import { send, type Scenario } from "../load";
import { api, mapLimit, type BenchContext } from "../setup";

const PER_BOOKING = 8;

interface Phone { core: Uint8Array<ArrayBuffer>; key: CryptoKey }
export interface ScanContext { ctx: BenchContext; eventId: string; gateToken: string; phones: Phone[]; codes: string[] }

/** An event with one paid, phone-bound ticket per scan (warm-up included), and a signed-in gate account of it. */
export async function prepareScans(ctx: BenchContext): Promise<ScanContext> {
  const tickets = ctx.config.requests + ctx.config.warmup;
  const token = ctx.organizer.access_token;
  const event = await api<{ event_id: string }>(ctx.appUrl, "POST", "/api/events", 201, {
    token, body: { title: `Bench gates ${Date.now().toString(36)}`, category: "concert", venue: "Bench Hall", currency: "KRW",
      start_date: new Date(Date.now() + 30 * 86400_000).toISOString(), seat_map: { sections: [], areas: [{ name: "GA", price: 10_000, capacity: tickets + PER_BOOKING }] } },
  });
  await api(ctx.appUrl, "POST", `/api/events/${event.event_id}/publish`, 200, { token });
  const bookings = Math.ceil(tickets / PER_BOOKING);
  ctx.log(`scan event ${event.event_id}: buying ${tickets} tickets in ${bookings} bookings`);
  const buyers = await mapLimit(bookings, REGISTER_CONCURRENCY, async (b) => {
    const u = b % ctx.sessions.length;
    const headers = ctx.userHeaders[u] ?? {};
    const booking = await api<{ booking_id: string }>(ctx.appUrl, "POST", "/api/bookings", 201, { token: ctx.sessions[u]?.access_token, ip: headers["cf-connecting-ip"], body: { event_id: event.event_id, area: "GA", quantity: PER_BOOKING } });
    const intent = await api<{ payment_intent_id: string; client_secret: string }>(ctx.appUrl, "POST", `/api/bookings/${booking.booking_id}/payment`, 200, { token: ctx.sessions[u]?.access_token, ip: headers["cf-connecting-ip"] });
    await api(ctx.appUrl, "POST", `/api/payment/simulator/${intent.payment_intent_id}/complete`, 202, { body: { client_secret: intent.client_secret, outcome: "succeeded" } });
    return u;
  });
  // Each buyer's wallet (Postgres, once the room's outbox reached it) lists the tickets to bind.
  const owners = [...new Set(buyers)];
  const t0 = performance.now();
  const wallets = await mapLimit(owners.length, REGISTER_CONCURRENCY, async (k) => {
    const u = owners[k] ?? 0;
    const want = buyers.filter((x) => x === u).length * PER_BOOKING;
    for (;;) {
      const w = await api<{ tickets: { ticket_id: string; event_id: string }[] }>(ctx.appUrl, "GET", "/api/tickets", 200, { token: ctx.sessions[u]?.access_token, ip: ctx.userHeaders[u]?.["cf-connecting-ip"] });
      const mine = w.tickets.filter((t) => t.event_id === event.event_id);
      if (mine.length >= want) return mine.map((t) => ({ u, ticketId: t.ticket_id }));
      if (performance.now() - t0 > CATCH_UP_TIMEOUT_MS) throw new Error(`only ${mine.length} of ${want} tickets reached a wallet after ${CATCH_UP_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  const owned = wallets.flat().slice(0, tickets);
  ctx.log(`binding ${owned.length} tickets to phone keys`);
  const phones = await mapLimit(owned.length, REGISTER_CONCURRENCY, async (i) => {
    const t = owned[i];
    if (!t) throw new Error("no ticket");
    const device = await generateDeviceKey();
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", device.publicKey));
    const bound = await api<{ core: string }>(ctx.appUrl, "POST", `/api/tickets/${t.ticketId}/device`, 200, {
      token: ctx.sessions[t.u]?.access_token, ip: ctx.userHeaders[t.u]?.["cf-connecting-ip"], body: { public_key: toBase64Url(raw) },
    });
    const core = fromBase64Url(bound.core);
    if (!core) throw new Error("core is not base64url");
    return { core, key: device.privateKey };
  });
  const account = await api<{ login: string; password: string }>(ctx.appUrl, "POST", `/api/events/${event.event_id}/gate-accounts`, 201, { token, body: { label: "bench gate" } });
  const gate = await api<{ access_token: string }>(ctx.appUrl, "POST", "/api/auth/login", 200, { body: { email: account.login, password: account.password } });
  return { ctx, eventId: event.event_id, gateToken: gate.access_token, phones, codes: [] };
}

/** Codes for scans `from` … `to - 1`, made now. */
async function makeCodes(s: ScanContext, from: number, to: number): Promise<void> {
  const now = Date.now();
  for (let i = from; i < to; i++) {
    const p = s.phones[i];
    if (p) s.codes[i] = await makeTicketCode(p.core, p.key, now);
  }
}

export function scan(s: ScanContext): Scenario & { before: () => Promise<void> } {
  const { warmup, requests } = s.ctx.config;
  return {
    name: "scan",
    description: "POST /api/gate/:id/scan by a gate account: each ticket once (verify the device-signed code, admit in the EventRoom); every answer must be `admitted`",
    before: () => makeCodes(s, 0, warmup),
    afterWarmup: () => makeCodes(s, warmup, warmup + requests),
    op: async (i) => {
      const r = await send({ url: `${s.ctx.appUrl}/api/gate/${s.eventId}/scan`, init: {
        method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${s.gateToken}` },
        body: JSON.stringify({ code: s.codes[i] ?? "", gate_id: `lane-${i % 10}` }),
      } }, 200);
      if (r.error) return r.error;
      const result = (JSON.parse(r.body) as { result: string }).result;
      return result === "admitted" ? null : `scan answered ${result}`;
    },
  };
}
