import { and, asc, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedProxy } from "../../workers/db";
import { outbox } from "../../src/db/schema";
import { envelopeSchema } from "../../src/pipeline/envelope";
import { indexForSearch } from "../../workers/consumers/search-indexer";
import { inProcessSink } from "../../workers/in-process";
import { relayOnce } from "../../workers/outbox-relay";
import { api, register, type Session } from "../support/api";
import { testDb } from "../support/db";

// Events in a window of their own (a random day in 2031), so other suites' events stay out.
const day = 1 + Math.floor(Math.random() * 300);
const base = Date.UTC(2031, 0, 1) + day * 86400_000;
const at = (h: number) => new Date(base + h * 3600_000).toISOString();
const window = `from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(23))}`;
type Hit = { event_id: string; title: string; available_seats: number | null };

let organizer: Session;
let h: Awaited<ReturnType<typeof testDb>>;
const ids: Record<string, string> = {};

async function create(key: string, body: Record<string, unknown>, publish = true): Promise<string> {
  const r = await api<{ event_id: string }>("/api/events", { token: organizer.access, body: {
    category: "concert", venue: "Jamsil Olympic Stadium", currency: "KRW", description: "",
    seat_map: { sections: [{ name: "A", price: 150000, rows: [{ label: "1", seats: 10 }] }] }, ...body,
  } });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
  if (publish) await api(`/api/events/${r.body.event_id}/publish`, { method: "POST", token: organizer.access });
  ids[key] = r.body.event_id;
  return r.body.event_id;
}

/** The embedded pipeline, run by hand: relay every outbox row to the consumers. */
async function drain(): Promise<void> {
  for (;;) {
    const r = await relayOnce(h.db, inProcessSink(h.db, { email: null, sms: null }));
    if (r.leased && r.published === 0) return;
    if (!r.leased) await new Promise((res) => setTimeout(res, 50));
  }
}
const search = (query: string) => api<{ results: Hit[] }>(`/api/search?${query}&${window}`);
const titles = async (query: string) => (await search(query)).body.results.map((r) => r.title);

beforeAll(async () => {
  h = await testDb();
  organizer = await register("organizer");
  await create("bts", { title: "BTS World Tour — Seoul", start_date: at(19) });
  await create("iu", { title: "아이유 콘서트 2027 — 서울", description: "아이유의 단독 공연", venue: "KSPO Dome", start_date: at(18),
    seat_map: { sections: [{ name: "R", price: 132000, rows: [{ label: "1", seats: 10 }] }] } });
  await create("mahler", { title: "Seoul Philharmonic: Mahler 5", description: "Guest appearance by members of BTS", category: "classical",
    venue: "Seoul Arts Center", start_date: at(20), seat_map: { sections: [{ name: "C", price: 90000, rows: [{ label: "1", seats: 10 }] }] } });
  await create("draft", { title: "BTS Secret Show", start_date: at(21) }, false);
  const cancelled = await create("cancelled", { title: "BTS Cancelled Night", start_date: at(22) });
  await api(`/api/events/${cancelled}/cancel`, { method: "POST", token: organizer.access });
  await drain();
});
afterAll(async () => { await h.close(); await closeSharedProxy(); });

describe("search read model (fed by the outbox relay)", () => {
  it("ranks a title match above a description match, and never shows drafts or cancelled events", async () => {
    expect(await titles("q=BTS")).toEqual(["BTS World Tour — Seoul", "Seoul Philharmonic: Mahler 5"]);
  });

  it("tolerates typos and finds prefixes", async () => {
    expect(await titles("q=BTZ")).toContain("BTS World Tour — Seoul");
    expect(await titles("q=Mahlr")).toEqual(["Seoul Philharmonic: Mahler 5"]);
    expect(await titles("q=Philharm")).toEqual(["Seoul Philharmonic: Mahler 5"]);
  });

  it("finds Korean titles by word and by prefix", async () => {
    expect(await titles(`q=${encodeURIComponent("아이유")}`)).toEqual(["아이유 콘서트 2027 — 서울"]);
    expect(await titles(`q=${encodeURIComponent("아이")}`)).toEqual(["아이유 콘서트 2027 — 서울"]);
    expect(await titles(`q=${encodeURIComponent("단독 공연")}`)).toEqual(["아이유 콘서트 2027 — 서울"]);
  });

  it("filters by category, price and date", async () => {
    expect(await titles("category=classical")).toEqual(["Seoul Philharmonic: Mahler 5"]);
    expect((await titles("min_price=100000")).sort()).toEqual(["BTS World Tour — Seoul", "아이유 콘서트 2027 — 서울"]);
    expect(await titles("max_price=100000")).toEqual(["Seoul Philharmonic: Mahler 5"]);
    const early = await api<{ results: Hit[] }>(`/api/search?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(18.5))}`);
    expect(early.body.results.map((r) => r.title)).toEqual(["아이유 콘서트 2027 — 서울"]);
    expect((await api("/api/search?min_price=5&max_price=1")).status).toBe(422);
  });

  it("suggests titles as you type", async () => {
    const r = await api<{ suggestions: { title: string }[] }>("/api/search/autocomplete?q=BTS%20Wor");
    expect(r.body.suggestions.map((s) => s.title)).toContain("BTS World Tour — Seoul");
    expect((await api("/api/search/autocomplete?q=")).status).toBe(422);
  });

  it("tracks available seats from inventory events", async () => {
    const fan = await register();
    const b = await api("/api/bookings", { token: fan.access, body: { event_id: ids.bts, seat_ids: ["A-1-1", "A-1-2"] } });
    expect(b.status).toBe(201);
    // The room flushes to Postgres shortly; then the relay carries it to the indexer.
    for (let i = 0; i < 100; i++) {
      await drain();
      const hit = (await search("q=BTS")).body.results.find((r) => r.event_id === ids.bts);
      if (hit?.available_seats === 8) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error("available seats never reached 8");
  });

  it("applies each message once, whatever the order and however often it arrives", async () => {
    const rows = await h.db.select().from(outbox).where(and(eq(outbox.aggregateId, ids.bts!), inArray(outbox.topic, ["event-events"]))).orderBy(asc(outbox.seq));
    const envelopes = rows.map((r) => envelopeSchema.parse(r.envelope));
    expect(envelopes.map((e) => e.event_type)).toEqual(["EventCreated", "EventPublished"]);
    // A newer update, then everything again, reversed and twice: the newest state wins, once.
    const renamed = await api(`/api/events/${ids.bts}`, { method: "PUT", token: organizer.access, body: { title: "BTS World Tour — Seoul (Day 2)" } });
    expect(renamed.status).toBe(200);
    await drain();
    for (const e of [...envelopes].reverse()) {
      expect(await indexForSearch(h.db, e)).toBe("duplicate");
      expect(await indexForSearch(h.db, { ...e, event_id: crypto.randomUUID() })).toBe("applied");
    }
    expect(await titles("q=BTS")).toContain("BTS World Tour — Seoul (Day 2)");
    const inv = await h.db.select().from(outbox).where(and(eq(outbox.aggregateId, ids.bts!), eq(outbox.eventType, "SeatsReserved")));
    const reserved = envelopeSchema.parse(inv[0]!.envelope);
    expect(await indexForSearch(h.db, reserved)).toBe("duplicate");
    expect((await search("q=BTS")).body.results.find((r) => r.event_id === ids.bts)?.available_seats).toBe(8);
  });
});
