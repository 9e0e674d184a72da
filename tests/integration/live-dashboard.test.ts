/**
 * The organizer's dashboards against the running Worker: the live feed's hour (history on connect,
 * then the latest sample every second) counts exactly what fans did under concurrent joins, holds
 * and payments; a change of the outflow cap shows in the samples; the check-in figures count each
 * gate's entries after concurrent scans from several gates and offline syncs. Nothing is shown to
 * another organizer.
 */
import { describe, expect, it } from "vitest";
import { liveCountsFrame, liveHistoryFrame, type LiveSampleOut } from "../../src/contract/live";
import { api, eventually, pool, publishedEvent, register, type Session } from "../support/api";
import { phone, soldTickets } from "../support/tickets";
import { feed, openFeed, type Feed } from "../support/live-feed";
import { checkout, openCheckout, type Hold } from "../support/saga";

const FLOOR_PRICE = 99_000;
const settings = (over: Record<string, unknown> = {}) => ({
  enabled: true, on_sale_at: new Date(Date.now() - 1000).toISOString(), admit_per_minute: 60_000, max_active: 1000, session_minutes: 10, ...over,
});

/** The latest sample the feed sent (counts frames carry one each). */
function latest(f: Feed): LiveSampleOut | undefined {
  for (let i = f.frames.length - 1; i >= 0; i--) {
    const c = liveCountsFrame.safeParse(f.frames[i]);
    if (c.success) return c.data.sample;
  }
  return undefined;
}
const sampleWhere = (f: Feed, what: string, ok: (s: LiveSampleOut) => boolean, ms = 60_000) =>
  eventually(async () => { const s = latest(f); return s && ok(s) ? s : undefined; }, ms, what);

/** A fan in line: joins, waits to be admitted, returns the admission token. */
async function admitted(eventId: string, fan: Session): Promise<string> {
  const j = await api<{ queue_token: string }>(`/api/queue/${eventId}/join`, { method: "POST", token: fan.access });
  expect(j.status).toBe(201);
  let token = j.body.queue_token;
  return eventually(async () => {
    const s = await api<{ state: string; access_token?: string; queue_token?: string }>(`/api/queue/${eventId}/status`, { token });
    if (s.body.queue_token) token = s.body.queue_token;
    return s.body.state === "admitted" ? s.body.access_token : undefined;
  }, 60_000, "admission");
}

async function queuedHold(eventId: string, fan: Session, admission: string, quantity: number): Promise<Hold> {
  const r = await api<Hold>("/api/bookings", { token: fan.access, body: { event_id: eventId, area: "FLOOR", quantity }, headers: { "admission-token": admission } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const pay = await openCheckout(fan.access, r.body.booking_id);
  return { ...r.body, payment: { payment_intent_id: pay.payment_intent_id, client_secret: pay.client_secret } };
}

describe("live on-sale dashboard", () => {
  it("counts exactly the joins, admissions, holds, sales and revenue of concurrent fans, shows a changed cap, and only to the event's organizer", async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer);
    expect((await api(`/api/events/${eventId}/queue`, { method: "PUT", token: organizer.access, body: settings() })).status).toBe(200);
    const watching = await feed(eventId, organizer.access);

    // 24 fans join at once; 16 of them hold 2 places each; 8 of those pay.
    const fans = await pool(8, Array.from({ length: 24 }, () => () => register()));
    const tokens = await Promise.all(fans.map((fan) => admitted(eventId, fan)));
    const holds = await Promise.all(fans.slice(0, 16).map((fan, i) => queuedHold(eventId, fan, tokens[i]!, 2)));
    await Promise.all(holds.slice(0, 8).map((h) => checkout(h)));

    const done = (s: LiveSampleOut) => s.sold === 16 && s.held === 16;
    const now = await sampleWhere(watching, "the sales in the live samples", done);
    expect(now).toMatchObject({
      joined: 24, admitted: 24, waiting: 0, active: 8, held: 16, sold: 16, capacity: 120, revenue: 16 * FLOOR_PRICE,
      admit_per_minute: 60_000, max_active: 1000, wait_p50: null, wait_p90: null,
      // 16 turns ended with a booking, none ran out.
      no_show_rate: 0,
    });
    // The same totals as the stats the API serves.
    const stats = await api<{ revenue: number; areas: { held: number; sold: number } }>(`/api/events/${eventId}/stats`, { token: organizer.access });
    expect(stats.body).toMatchObject({ revenue: 16 * FLOOR_PRICE, areas: { held: 16, sold: 16 } });

    // A dashboard opened now gets the hour so far: buckets in order, counters never going back, ending at the totals.
    const late = await feed(eventId, organizer.access);
    const history = await eventually(async () => late.frames.map((m) => liveHistoryFrame.safeParse(m)).find((h) => h.success)?.data, 10_000, "the history frame");
    expect(history.bucket_ms).toBe(5000);
    expect(history.samples.length).toBeGreaterThan(0);
    const ts = history.samples.map((s) => s.t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(new Set(ts).size).toBe(ts.length);
    for (const key of ["joined", "admitted"] as const) {
      const series = history.samples.map((s) => s[key]);
      expect(series).toEqual([...series].sort((a, b) => a - b));
    }
    expect(history.samples.at(-1)).toMatchObject({ joined: 24, admitted: 24, sold: 16, held: 16, revenue: 16 * FLOOR_PRICE });
    late.ws.close();

    // The organizer slows the outflow to 1 a minute: the next samples say so, and a new line waits with a forecast.
    expect((await api(`/api/events/${eventId}/queue`, { method: "PUT", token: organizer.access, body: settings({ admit_per_minute: 1, max_active: 500 }) })).status).toBe(200);
    await sampleWhere(watching, "the new cap", (s) => s.admit_per_minute === 1 && s.max_active === 500);
    const line = await pool(8, Array.from({ length: 10 }, () => () => register()));
    await Promise.all(line.map((fan) => api(`/api/queue/${eventId}/join`, { method: "POST", token: fan.access })));
    const slowed = await sampleWhere(watching, "the new line", (s) => s.joined === 34 && s.waiting >= 7);
    // Everyone who joined is either let in or still in line: nobody lost, nobody counted twice.
    expect(slowed.admitted + slowed.waiting).toBe(34);
    expect(slowed.wait_p50).not.toBeNull();
    expect(slowed.wait_p90!).toBeGreaterThanOrEqual(slowed.wait_p50!);
    // Seven or more in line ahead of the 90th percentile at one a minute: minutes, not seconds.
    expect(slowed.wait_p90!).toBeGreaterThanOrEqual(5 * 60);
    watching.ws.close();

    // Another organizer and a fan see nothing of it.
    const other = await register("organizer");
    for (const who of [other, fans[0]!]) {
      expect(await openFeed(eventId, who.access)).toBe(403);
      expect((await api(`/api/events/${eventId}/stats`, { token: who.access })).status).toBe(403);
      expect((await api(`/api/events/${eventId}/check-ins`, { token: who.access })).status).toBe(403);
    }
  }, 300_000);
});

interface Gates { gate_id: string; entries: number; per_minute: { minute: string; entries: number }[] }
interface CheckIns { tickets: number; admitted: number; conflicts: number; doors_opened_at: string | null; no_shows: number | null; gates: Gates[] }

describe("check-in dashboard", () => {
  it("counts entries per gate after concurrent scans from several gates and offline syncs; no-shows once doors open", async () => {
    const organizer = await register("organizer");
    const eventId = await publishedEvent(organizer);
    const sold = await soldTickets(eventId, 4);
    const checkIns = async () => {
      const r = await api<CheckIns>(`/api/events/${eventId}/check-ins`, { token: organizer.access });
      expect(r.status).toBe(200);
      return r.body;
    };
    expect(await checkIns()).toMatchObject({ tickets: 32, admitted: 0, doors_opened_at: null, no_shows: null, gates: [] });

    // 24 of 32 tickets, each shown at three gates at once: one gate admits it.
    const gates = ["north", "south", "west"];
    const makers = await pool(8, sold.slice(0, 24).map(({ fan, ticket }) => () => phone(fan, ticket.ticket_id)));
    const codes = await Promise.all(makers.map((m) => m()));
    const answers = await Promise.all(codes.flatMap((code) => gates.map(async (gate) => ({
      gate, r: await api<{ result: string }>(`/api/gate/${eventId}/scan`, { token: organizer.access, body: { code, gate_id: gate } }),
    }))));
    const admittedAt = new Map<string, number>();
    for (const { gate, r } of answers) {
      expect(r.status).toBe(200);
      if (r.body.result === "admitted") admittedAt.set(gate, (admittedAt.get(gate) ?? 0) + 1);
    }
    expect([...admittedAt.values()].reduce((a, b) => a + b, 0)).toBe(24);

    // An offline gate syncs two unscanned tickets (one of them also let in by a second offline gate: a conflict), then replays its batch.
    const at = new Date(Date.now() - 30_000).toISOString();
    const east = { gate_id: "east", scans: [
      { ticket_id: sold[24]!.ticket.ticket_id, scanned_at: at, nonce: "east-0001", local: "admitted" },
      { ticket_id: sold[25]!.ticket.ticket_id, scanned_at: at, nonce: "east-0002", local: "admitted" },
    ] };
    for (let i = 0; i < 2; i++) expect((await api(`/api/gate/${eventId}/sync`, { token: organizer.access, body: east })).status).toBe(200);
    const late = { gate_id: "dock", scans: [{ ticket_id: sold[25]!.ticket.ticket_id, scanned_at: new Date().toISOString(), nonce: "dock-0001", local: "admitted" }] };
    expect((await api(`/api/gate/${eventId}/sync`, { token: organizer.access, body: late })).status).toBe(200);

    const after = await checkIns();
    expect(after).toMatchObject({ tickets: 32, admitted: 26, conflicts: 1, no_shows: 6 });
    expect(after.doors_opened_at).not.toBeNull();
    const shown = new Map(after.gates.map((g) => [g.gate_id, g]));
    expect(new Set(shown.keys())).toEqual(new Set([...admittedAt.keys(), "east"]));
    for (const [gate, n] of admittedAt) expect(shown.get(gate)?.entries, gate).toBe(n);
    expect(shown.get("east")?.entries).toBe(2);
    for (const g of after.gates) expect(g.per_minute.reduce((a, m) => a + m.entries, 0), g.gate_id).toBe(g.entries);
  }, 600_000);
});
