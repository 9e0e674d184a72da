/**
 * Gate accounts over HTTP against the running Worker: an organizer makes staff logins for one
 * event; they sign in with the normal login, scan and sync that event only, and are refused
 * everywhere else; disabling one ends its sessions at once; the per-event cap holds under
 * concurrent creation; 10 gate accounts scanning 1,000 times at once admit each ticket once.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { api, pool, publishedEvent, register, type Session } from "../support/api";
import { WORKER_LOG } from "../support/env";
import { entryProblems, phone, scanAtOnce, soldTickets, type Scan } from "../support/tickets";

interface NewAccount { account_id: string; event_id: string; label: string; login: string; password: string; enabled: boolean }
interface Account { account_id: string; label: string; login: string; enabled: boolean; disabled_at: string | null }
interface Tokens { access_token: string; refresh_token: string }
interface Gate extends NewAccount { access: string; refresh: string }

async function createAccount(organizer: Session, eventId: string, label = "North gate, lane 1"): Promise<NewAccount> {
  const r = await api<NewAccount>(`/api/events/${eventId}/gate-accounts`, { token: organizer.access, body: { label } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.headers.get("cache-control")).toContain("no-store");
  return r.body;
}

async function signIn(a: { login: string; password: string }): Promise<Tokens> {
  const r = await api<Tokens>("/api/auth/login", { body: { email: a.login, password: a.password } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function gate(organizer: Session, eventId: string, label?: string): Promise<Gate> {
  const a = await createAccount(organizer, eventId, label);
  const t = await signIn(a);
  return { ...a, access: t.access_token, refresh: t.refresh_token };
}

const list = (who: Session, eventId: string) => api<{ accounts: Account[]; enabled: number; limit: number }>(`/api/events/${eventId}/gate-accounts`, { token: who.access });
const smallEvent = (organizer: Session) => publishedEvent(organizer, {
  seat_map: { sections: [{ name: "A", price: 1000, rows: [{ label: "1", seats: 2 }] }], areas: [{ name: "FLOOR", price: 1000, capacity: 200 }] },
});

describe("gate accounts", () => {
  it("a gate account of A scans A, is refused on B's gates and on every route not made for it; its secrets stay out of lists and logs", async () => {
    const organizer = await register("organizer");
    const [a, b] = await Promise.all([smallEvent(organizer), smallEvent(organizer)]);
    const [sold] = await soldTickets(a, 1, 2);
    const logBefore = fs.readFileSync(WORKER_LOG, "utf8").length;
    const g = await gate(organizer, a, "북문 1번 레인");
    // The login says nothing about the event, the label or the organizer, and two logins share only the fixed parts.
    expect(g.login).toMatch(/^gate-[a-z2-7]{16}@gate\.ticketing\.invalid$/);
    const other = await createAccount(organizer, a, "북문 2번 레인");
    const common = [...g.login].filter((ch, i) => other.login[i] === ch).length;
    expect(common).toBeLessThan("gate-@gate.ticketing.invalid".length + 8);
    expect(g.password.length).toBeGreaterThanOrEqual(20);
    const me = await api<{ user: { role: string; name: string }; gate_event_id: string | null }>("/api/auth/me", { token: g.access });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ role: "gate", name: "북문 1번 레인" });
    // The app sends a gate account to its scanner: /me names the one event it staffs, and only for gate accounts.
    expect(me.body.gate_event_id).toBe(a);
    expect((await api<{ gate_event_id: string | null }>("/api/auth/me", { token: organizer.access })).body.gate_event_id).toBeNull();

    // Its own event's gates: scan (recorded under the account), manifest, delta, sync.
    const code = await (await phone(sold!.fan, sold!.ticket.ticket_id))();
    const scan = await api<Scan>(`/api/gate/${a}/scan`, { token: g.access, body: { code, gate_id: "lane-1" } });
    expect(scan.status, JSON.stringify(scan.body)).toBe(200);
    expect(scan.body.result).toBe("admitted");
    const again = await api<Scan>(`/api/gate/${a}/scan`, { token: organizer.access, body: { code, gate_id: "lane-1" } });
    expect(again.body.result).toBe("already_used");
    expect(again.body.first_scan?.gate_id).toBe(`lane-1@${g.account_id}`);
    expect((await api(`/api/gate/${a}/manifest`, { token: g.access })).status).toBe(200);
    expect((await api(`/api/gate/${a}/revocations?cursor=0`, { token: g.access })).status).toBe(200);
    const sync = { gate_id: "lane-1", scans: [{ ticket_id: sold!.ticket.ticket_id, scanned_at: new Date().toISOString(), nonce: "lane1-0001", local: "admitted" }] };
    expect((await api(`/api/gate/${a}/sync`, { token: g.access, body: sync })).status).toBe(200);

    // Another event's gates (the same organizer's): 403 on each.
    const refused: [string, string, unknown?][] = [
      ["POST", `/api/gate/${b}/scan`, { code, gate_id: "lane-1" }], ["GET", `/api/gate/${b}/manifest`], ["GET", `/api/gate/${b}/revocations?cursor=0`],
      ["POST", `/api/gate/${b}/sync`, sync],
      // Buying, the waiting room, the wallet, refunds, the profile.
      ["POST", "/api/bookings", { event_id: a, area: "FLOOR", quantity: 1 }], ["GET", "/api/bookings"], ["GET", `/api/bookings/${sold!.booking.booking_id}`],
      ["POST", `/api/bookings/${sold!.booking.booking_id}/cancel`], ["POST", `/api/bookings/${sold!.booking.booking_id}/payment`],
      ["POST", `/api/queue/${a}/join`], ["GET", "/api/tickets"], ["GET", `/api/tickets/${sold!.ticket.ticket_id}`],
      ["POST", `/api/tickets/${sold!.ticket.ticket_id}/device`, { public_key: "AAAA" }], ["POST", `/api/payment/${sold!.booking.booking_id}/refund`],
      ["PUT", "/api/auth/me", { name: "someone else" }],
      // The organizer's routes, even for its own event.
      ["POST", "/api/events", { title: "x" }], ["PUT", `/api/events/${a}`, { title: "taken over" }], ["POST", `/api/events/${a}/publish`],
      ["POST", `/api/events/${a}/cancel`], ["GET", `/api/events/${a}/stats`], ["GET", `/api/events/${a}/check-ins`],
      ["GET", `/api/events/${a}/queue`], ["PUT", `/api/events/${a}/queue`, { enabled: false }],
      ["GET", `/api/events/${a}/gate-accounts`], ["POST", `/api/events/${a}/gate-accounts`, { label: "my own friend" }],
      ["DELETE", `/api/events/${a}/gate-accounts/${other.account_id}`],
    ];
    for (const [method, path, body] of refused) {
      const r = await api<{ code: string }>(path, { method, token: g.access, ...(body !== undefined ? { body } : {}) });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.headers.get("content-type"), path).toContain("application/problem+json");
    }
    // Nothing it was refused changed anything: the event is as it was, the other account still enabled, one entry counted.
    const event = await api<{ status: string; title: string }>(`/api/events/${a}`);
    expect(event.body).toMatchObject({ status: "published" });
    expect((await list(organizer, a)).body.accounts.map((x) => x.enabled)).toEqual([true, true]);
    const checkIns = await api<{ admitted: number }>(`/api/events/${a}/check-ins`, { token: organizer.access });
    expect(checkIns.body.admitted).toBe(1);

    // Listing shows no secret; the Worker's log never saw the password.
    const listed = await list(organizer, a);
    expect(JSON.stringify(listed.body)).not.toContain(g.password);
    expect(listed.body.accounts.map((x) => x.label)).toEqual(["북문 1번 레인", "북문 2번 레인"]);
    expect(fs.readFileSync(WORKER_LOG, "utf8").slice(logBefore)).not.toContain(g.password);
  }, 300_000);

  it("a disabled account's access and refresh tokens stop working, it cannot sign in, and logins racing the disable end up signed out too", async () => {
    const organizer = await register("organizer");
    const eventId = await smallEvent(organizer);
    await soldTickets(eventId, 1, 1);
    const g = await gate(organizer, eventId);
    const second = await signIn(g);
    expect((await api(`/api/gate/${eventId}/revocations?cursor=0`, { token: g.access })).status).toBe(200);

    // 10 logins at once with the disable: each either fails or gets a session the disable ends.
    const [logins, disabled] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => api<Tokens>("/api/auth/login", { body: { email: g.login, password: g.password } }))),
      api<Account>(`/api/events/${eventId}/gate-accounts/${g.account_id}`, { method: "DELETE", token: organizer.access }),
    ]);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false });
    const tokens: Tokens[] = [{ access_token: g.access, refresh_token: g.refresh }, second];
    for (const l of logins) {
      expect([200, 401]).toContain(l.status);
      if (l.status === 200) tokens.push(l.body);
    }
    for (const t of tokens) {
      const scan = await api(`/api/gate/${eventId}/manifest`, { token: t.access_token });
      expect(scan.status).toBe(401);
      const refreshed = await api("/api/auth/refresh", { body: { refresh_token: t.refresh_token } });
      expect(refreshed.status).toBe(401);
    }
    const login = await api<{ code: string }>("/api/auth/login", { body: { email: g.login, password: g.password } });
    expect(login.status).toBe(401);
    expect(login.body.code).toBe("invalid_credentials");
    // Idempotent, and listed as disabled.
    const repeat = await api<Account>(`/api/events/${eventId}/gate-accounts/${g.account_id}`, { method: "DELETE", token: organizer.access });
    expect(repeat.status).toBe(200);
    expect(repeat.body.disabled_at).toBe(disabled.body.disabled_at);
    expect((await list(organizer, eventId)).body.accounts).toMatchObject([{ account_id: g.account_id, enabled: false }]);
  }, 300_000);

  it("1,000 concurrent scans of 200 tickets from 10 gate accounts: each admitted once, every other already_used naming the first's time and gate", async () => {
    const organizer = await register("organizer");
    const eventId = await smallEvent(organizer);
    const sold = await soldTickets(eventId, 25);
    expect(sold).toHaveLength(200);
    const gates = await pool(5, Array.from({ length: 10 }, (_, i) => () => gate(organizer, eventId, `lane ${i}`)));
    const makers = await pool(20, sold.map(({ fan, ticket }) => () => phone(fan, ticket.ticket_id)));

    // Every gate account calls its gate "lane": the room tells them apart by account.
    const scans = sold.flatMap((t, i) => Array.from({ length: 5 }, (_, k) => {
      const g = gates[(i + k) % 10]!;
      return { code: makers[i]!, ticketId: t.ticket.ticket_id, staff: g, gateId: "lane", recordedAs: `lane@${g.account_id}` };
    }));
    scans.sort(() => Math.random() - 0.5);
    const byTicket = await scanAtOnce(eventId, scans);
    expect(byTicket.size).toBe(200);
    expect(entryProblems(byTicket, 5)).toEqual([]);
    const stats = await api<{ admitted: number }>(`/api/events/${eventId}/check-ins`, { token: organizer.access });
    expect(stats.body.admitted).toBe(200);
  }, 600_000);

  it("20 concurrent creations past the cap make exactly the cap; another organizer, a fan and unknown ids are refused", async () => {
    const organizer = await register("organizer");
    const eventId = await smallEvent(organizer);
    const { limit } = (await list(organizer, eventId)).body;
    expect(limit).toBeGreaterThan(5);
    await pool(8, Array.from({ length: limit - 5 }, (_, i) => () => createAccount(organizer, eventId, `staff ${i}`)));
    const racing = await Promise.all(Array.from({ length: 20 }, (_, i) => api<{ code: string }>(`/api/events/${eventId}/gate-accounts`, { token: organizer.access, body: { label: `late ${i}` } })));
    expect(racing.filter((r) => r.status === 201)).toHaveLength(5);
    for (const r of racing.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe("gate_account_limit");
    }
    const full = (await list(organizer, eventId)).body;
    expect(full.enabled).toBe(limit);
    expect(full.accounts).toHaveLength(limit);
    // Disabling one frees one slot, and only one.
    expect((await api(`/api/events/${eventId}/gate-accounts/${full.accounts[0]!.account_id}`, { method: "DELETE", token: organizer.access })).status).toBe(200);
    const refill = await Promise.all(Array.from({ length: 3 }, () => api(`/api/events/${eventId}/gate-accounts`, { token: organizer.access, body: { label: "refill" } })));
    expect(refill.map((r) => r.status).sort()).toEqual([201, 409, 409]);

    // Another organizer, and a fan: 403 on create, list and disable; nothing changes.
    const stranger = await register("organizer");
    const fan = await register();
    for (const who of [stranger, fan]) {
      expect((await api(`/api/events/${eventId}/gate-accounts`, { token: who.access, body: { label: "mine now" } })).status).toBe(403);
      expect((await list(who, eventId)).status).toBe(403);
      expect((await api(`/api/events/${eventId}/gate-accounts/${full.accounts[1]!.account_id}`, { method: "DELETE", token: who.access })).status).toBe(403);
    }
    expect((await list(organizer, eventId)).body.enabled).toBe(limit);
    // Unknown event, unknown account, an account of another event through this one: 404. Labels are validated.
    const unknown = crypto.randomUUID();
    expect((await api(`/api/events/${unknown}/gate-accounts`, { token: organizer.access, body: { label: "x" } })).status).toBe(404);
    expect((await list(organizer, unknown)).status).toBe(404);
    expect((await api(`/api/events/${eventId}/gate-accounts/${unknown}`, { method: "DELETE", token: organizer.access })).status).toBe(404);
    const elsewhere = await smallEvent(organizer);
    const foreign = await createAccount(organizer, elsewhere);
    expect((await api(`/api/events/${eventId}/gate-accounts/${foreign.account_id}`, { method: "DELETE", token: organizer.access })).status).toBe(404);
    expect((await list(organizer, elsewhere)).body.accounts).toMatchObject([{ enabled: true }]);
    for (const label of ["", "   ", "a".repeat(65), "tab\tinside", "nul\u0000"]) {
      expect((await api(`/api/events/${elsewhere}/gate-accounts`, { token: organizer.access, body: { label } })).status, JSON.stringify(label)).toBe(422);
    }
    expect((await api(`/api/events/${elsewhere}/gate-accounts`, { token: organizer.access, body: { label: "x", role: "admin" } })).status).toBe(422);
  }, 600_000);
});
