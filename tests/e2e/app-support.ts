import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { closeSharedProxy } from "../../workers/db";
import { inProcessSink } from "../../workers/in-process";
import { relayOnce } from "../../workers/outbox-relay";
import { api, inDays, type Session } from "../support/api";
import { testDb } from "../support/db";

/** No serious or critical accessibility violation on the page as it is now. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const found = (await new AxeBuilder({ page }).analyze()).violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.help} @ ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(found).toEqual([]);
}

/** A screenshot for README (docs/screenshots, committed). */
export const shot = (page: Page, name: string) => page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });

/** A Korean word no other test has used: three random Hangul syllables. */
export const koreanWord = (): string =>
  Array.from({ length: 3 }, () => String.fromCharCode(0xac00 + Math.floor(Math.random() * 11172))).join("");

/** A published event with a Korean title, two sections, a standing area; indexed for search. */
export async function koreanEvent(organizer: Session, word: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const r = await api<{ event_id: string }>("/api/events", { token: organizer.access, body: {
    title: `${word} 여름 콘서트 Summer Concert`, description: "한강 공원에서 열리는 야외 공연", category: "concert",
    venue: "난지 한강공원", location: "서울", start_date: inDays(45), currency: "KRW",
    seat_map: {
      sections: [
        { name: "A", price: 150000, rows: [{ label: "1", seats: 12 }, { label: "2", seats: 12 }] },
        { name: "B", price: 99000, rows: [{ label: "1", seats: 16 }, { label: "2", seats: 16 }, { label: "3", seats: 16 }] },
      ],
      areas: [{ name: "FLOOR", price: 77000, capacity: 50 }],
    },
    ...overrides,
  } });
  if (r.status !== 201) throw new Error(`create event: ${r.status} ${JSON.stringify(r.body)}`);
  const p = await api(`/api/events/${r.body.event_id}/publish`, { method: "POST", token: organizer.access });
  if (p.status !== 200) throw new Error(`publish: ${p.status}`);
  await drainPipeline();
  return r.body.event_id;
}

/** Relays every outbox row to the in-process consumers (the search index among them), as tests/integration/search does. */
export async function drainPipeline(): Promise<void> {
  const h = await testDb();
  try {
    for (;;) {
      const r = await relayOnce(h.db, inProcessSink(h.db, { email: null, sms: null }));
      if (r.leased && r.published === 0) return;
      if (!r.leased) await new Promise((res) => setTimeout(res, 50));
    }
  } finally {
    await h.close();
    await closeSharedProxy();
  }
}

export const seatStatus = async (eventId: string, ids: string[]) => {
  const r = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${eventId}/seats`);
  return ids.map((id) => r.body.seats.find((s) => s.seat_id === id)?.status);
};
