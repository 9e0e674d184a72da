import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { importIssuerKeys } from "../../src/domain/tickets/keys";
import { applyDelta, gateRevoked, readManifest, type GateState } from "../../src/domain/tickets/manifest";
import { verifyTicketCode, type TicketCheck } from "../../src/domain/tickets/verify";
import { api, eventually, register, type Session } from "../support/api";
import { checkout, hold } from "../support/saga";
import { expectAccessible, koreanEvent, koreanWord, shot } from "./app-support";
import { isResourceLoadError, watchPage } from "./page-watch";
import { readQr } from "./qr-reader";

// The ticket wallet in a real browser against the running Worker: a paid booking's tickets, each
// shown as a rotating code signed by this browser's non-extractable key, verified here with the
// reference verifier against the gate manifest, admitted once by a gate scan, still shown (and
// still rotating) offline, and revoked on this phone when another phone takes the ticket.

interface Ticket { ticket_id: string; event_id: string; item_id: string; status: string }
interface Manifest { cursor: number }

let organizer: Session;
let fan: Session;
let eventId: string;
let tickets: Map<string, string>; // item id -> ticket id

test.beforeAll(async () => {
  organizer = await register("organizer");
  eventId = await koreanEvent(organizer, koreanWord());
  fan = await register();
  await checkout(await hold(fan, eventId, { seat_ids: ["A-1-3", "A-1-4"] }));
  // The wallet reads Postgres's projection of the confirmation: it arrives a moment later.
  const mine = await eventually(async () => {
    const r = await api<{ tickets: Ticket[] }>("/api/tickets", { token: fan.access });
    expect(r.status).toBe(200);
    const list = r.body.tickets.filter((t) => t.event_id === eventId);
    return list.length === 2 ? list : undefined;
  }, 90_000, "the fan's two tickets");
  tickets = new Map(mine.map((t) => [t.item_id, t.ticket_id]));
});

const ticketId = (item: string): string => {
  const id = tickets.get(item);
  if (!id) throw new Error(`no ticket for ${item}`);
  return id;
};

/** A browser context signed in as `session` (the app keeps the refresh token in localStorage). */
async function signedIn(context: BrowserContext, session: Session): Promise<Page> {
  const page = await context.newPage();
  await page.goto("/");
  await page.evaluate((t) => localStorage.setItem("tp.refresh", t), session.refresh);
  return page;
}

/** A second sign-in of the same fan, as on another phone. */
async function anotherSession(who: Session): Promise<Session> {
  const r = await api<{ access_token: string; refresh_token: string }>("/api/auth/login", { body: { email: who.email, password: "correct horse battery" } });
  expect(r.status).toBe(200);
  return { ...who, access: r.body.access_token, refresh: r.body.refresh_token };
}

const shownCode = async (page: Page): Promise<string> => {
  const code = await page.getByTestId("ticket-code").getAttribute("data-code");
  if (!code) throw new Error("no code on the page");
  return code;
};

/** What an offline gate holding `state` decides about `code` now, with the reference verifier. */
async function gateCheck(state: GateState, code: string, windowSeconds = 30): Promise<TicketCheck> {
  return verifyTicketCode(code, {
    now: Date.now(), keys: await importIssuerKeys(state.keys), eventId, revoked: gateRevoked(state), windowSeconds, skewSeconds: 30,
  });
}

async function manifest(): Promise<GateState> {
  const r = await api<Manifest>(`/api/gate/${eventId}/manifest`, { token: organizer.access });
  expect(r.status).toBe(200);
  const state = readManifest(r.body);
  if (!state.ok) throw new Error(`manifest: ${state.problem}`);
  return state.value;
}

const scan = (code: string, gate = "north-1") =>
  api<{ result: string; ticket: { ticket_id: string } | null }>(`/api/gate/${eventId}/scan`, { token: organizer.access, body: { code, gate_id: gate } });

test("a fan's ticket: a device-bound rotating QR the gate verifies and admits once; shown used; opens and keeps rotating offline; the key cannot be exported", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedIn(context, fan);
  const watch = watchPage(page);

  // From a confirmed booking to the wallet.
  await page.goto("/bookings");
  await page.getByRole("link", { name: "티켓 보기" }).click();
  await expect(page.getByRole("heading", { name: "내 티켓" })).toBeVisible();
  await expect(page.getByRole("navigation").getByRole("link", { name: "내 티켓" })).toBeVisible();
  await expect(page.getByTestId("wallet-ticket")).toHaveCount(2); // only this fan's tickets
  await expectAccessible(page, "wallet");
  await shot(page, "wallet-list");

  // The ticket: a QR code, the seat in words, a clock that moves.
  await page.getByRole("link", { name: "A구역 1열 3번" }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${ticketId("A-1-3")}$`));
  const qr = page.getByRole("img", { name: "A구역 1열 3번 입장 코드 (QR)" });
  await expect(qr).toBeVisible();
  await expect(page.getByTestId("ticket-seat")).toHaveText("A구역 1열 3번");
  // What a scanner reads off the screen is the code the page holds (read again if it rotated meanwhile).
  await expect.poll(async () => {
    const before = await shownCode(page);
    const read = await readQr(await qr.screenshot());
    return before === (await shownCode(page)) ? read === before : "rotated while reading";
  }).toBe(true);
  const first = await shownCode(page);

  // The reference verifier, with nothing but the gate manifest's public keys, accepts it.
  const gate = await manifest();
  const check = await gateCheck(gate, first);
  expect(check.ok, JSON.stringify(check)).toBe(true);
  if (check.ok) {
    expect(check.ticket.ticketId).toBe(ticketId("A-1-3"));
    expect(check.ticket.label).toBe("A-1-3");
  }

  // The code is re-signed every few seconds; every new one verifies too.
  await expect.poll(() => shownCode(page), { timeout: 20_000 }).not.toBe(first);
  const second = await shownCode(page);
  expect((await gateCheck(gate, second)).ok).toBe(true);

  // The private key is in IndexedDB as a CryptoKey that script cannot export.
  const exported = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open("tp-wallet");
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const pair = await new Promise<unknown>((res, rej) => {
      const r = db.transaction("device").objectStore("device").get("key");
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const key = pair && typeof pair === "object" && "privateKey" in pair && pair.privateKey instanceof CryptoKey ? pair.privateKey : null;
    if (!key) return { found: false, extractable: null, attempts: [] };
    const attempts = await Promise.all((["pkcs8", "jwk"] as const).map((f) => crypto.subtle.exportKey(f, key).then(() => `${f}: exported`, (e: unknown) => `${f}: ${e instanceof Error ? e.name : "refused"}`)));
    return { found: true, extractable: key.extractable, attempts };
  });
  expect(exported).toEqual({ found: true, extractable: false, attempts: ["pkcs8: InvalidAccessError", "jwk: InvalidAccessError"] });

  await expectAccessible(page, "ticket");
  await shot(page, "wallet-ticket");

  // A gate admits it once; the page then shows it used.
  const admitted = await scan(second);
  expect(admitted.body.result).toBe("admitted");
  expect((await scan(await shownCode(page), "south-2")).body.result).toBe("already_used");
  await expect(page.getByTestId("ticket")).toHaveAttribute("data-state", "used", { timeout: 30_000 });
  await expect(page.getByTestId("ticket-status")).toContainText("사용된 티켓입니다");
  await expectAccessible(page, "used ticket");
  await shot(page, "wallet-used");

  // Offline: the service worker serves the app, IndexedDB the ticket, the key keeps signing.
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId("ticket-seat")).toHaveText("A구역 1열 3번");
  await expect(page.getByTestId("ticket")).toHaveAttribute("data-state", "used");
  await expect(page.getByTestId("ticket-checked")).toContainText("오프라인");
  const offline = await shownCode(page);
  await expect.poll(() => shownCode(page), { timeout: 20_000 }).not.toBe(offline);
  const fresh = await shownCode(page);
  const offlineCheck = await gateCheck(gate, fresh);
  expect(offlineCheck.ok, JSON.stringify(offlineCheck)).toBe(true);
  if (offlineCheck.ok) expect(offlineCheck.ticket.codeTimestamp * 1000).toBeGreaterThan(Date.now() - 15_000);
  // The wallet list opens offline too, from what this phone kept.
  await page.getByRole("link", { name: "← 내 티켓" }).click();
  await expect(page.getByText("오프라인입니다")).toBeVisible();
  await expect(page.getByTestId("wallet-ticket")).toHaveCount(1);
  await expect(page.getByTestId("wallet-ticket-status")).toHaveText("사용됨");
  await expectAccessible(page, "offline wallet");
  await page.goBack();
  await expect(page.getByTestId("ticket-seat")).toHaveText("A구역 1열 3번");
  await shot(page, "wallet-offline");
  await context.setOffline(false);

  // While offline, the browser logs the requests the app tried and handled (the session's profile,
  // the ticket's live state): those are expected; anything else is not.
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /ERR_INTERNET_DISCONNECTED/))).toEqual([]);
  await context.close();
});

test("another phone binding the same ticket revokes this phone's code: the manifest's delta and the gate say so, and the first phone shows it moved", async ({ browser }) => {
  const id = ticketId("A-1-4");
  const phoneA = await browser.newContext();
  // Each browser signs in on its own: a refresh token is used once (test 1's browser used the first).
  const pageA = await signedIn(phoneA, await anotherSession(fan));
  const watchA = watchPage(pageA);
  await pageA.goto(`/tickets/${id}`);
  await expect(pageA.getByTestId("ticket")).toHaveAttribute("data-state", "valid");
  const before = await manifest();
  // Phone A's code as it shows now; phone A stops showing one once it learns of phone B.
  const codeA = await shownCode(pageA);

  const phoneB = await browser.newContext({ locale: "en-US" });
  const pageB = await signedIn(phoneB, await anotherSession(fan));
  const watchB = watchPage(pageB);
  await pageB.evaluate(() => localStorage.setItem("tp.lang", "en"));
  await pageB.goto(`/tickets/${id}`);
  await expect(pageB.getByRole("img", { name: "Entry code for Section A, row 1, seat 4 (QR)" })).toBeVisible();
  await expect(pageB.getByTestId("ticket")).toHaveAttribute("data-state", "valid");
  const codeB = await shownCode(pageB);

  // Phone A's code is revoked: by the delta since the gate's manifest, and online.
  const delta = await api(`/api/gate/${eventId}/revocations?cursor=${before.cursor}`, { token: organizer.access });
  expect(delta.status).toBe(200);
  const after = applyDelta(before, delta.body);
  if (!after.ok) throw new Error(`delta: ${after.problem}`);
  // The old manifest alone did not know (a wide window: only revocation is the question here).
  expect((await gateCheck(before, codeA, 3600)).ok).toBe(true);
  const revoked = await gateCheck(after.value, codeA);
  expect(revoked.ok ? "admitted" : revoked.result).toBe("revoked");
  expect((await gateCheck(after.value, codeB)).ok).toBe(true);
  expect((await scan(codeA)).body.result).toBe("revoked");

  // Phone A learns it on its next look and stops showing a code; phone B's code admits.
  await expect(pageA.getByTestId("ticket")).toHaveAttribute("data-state", "moved", { timeout: 30_000 });
  await expect(pageA.getByTestId("ticket-code")).toHaveCount(0);
  await expect(pageA.getByRole("button", { name: "이 휴대폰에서 다시 보기" })).toBeVisible();
  await expectAccessible(pageA, "moved ticket");
  await shot(pageA, "wallet-moved");
  expect((await scan(await shownCode(pageB))).body.result).toBe("admitted");
  await expect(pageB.getByTestId("ticket")).toHaveAttribute("data-state", "used", { timeout: 30_000 });
  await expect(pageB.getByTestId("ticket-status")).toContainText("This ticket has been used");
  await expectAccessible(pageB, "ticket in English");
  await shot(pageB, "wallet-ticket-en");

  expect(watchA.errors).toEqual([]);
  expect(watchB.errors).toEqual([]);
  await phoneA.close();
  await phoneB.close();
});

test("a ticket given to you: the wallet and the ticket page say it was given to you, with nothing of the buyer's booking; the buyer sees it given away", async ({ browser }) => {
  const buyer = await register("user", { name: "구매자 한지민" });
  const booked = await hold(buyer, eventId, { seat_ids: ["A-1-5"] });
  await checkout(booked);
  const [bought] = await eventually(async () => {
    const r = await api<{ tickets: Ticket[] }>("/api/tickets", { token: buyer.access });
    const list = r.body.tickets.filter((t) => t.event_id === eventId);
    return list.length === 1 ? list : undefined;
  }, 90_000, "the buyer's ticket");
  const recipient = await register();
  const given = await api<{ transferred_at: string }>(`/api/tickets/${bought!.ticket_id}/transfer`, { token: buyer.access, body: { email: recipient.email } });
  expect(given.status).toBe(200);
  await eventually(async () => {
    const r = await api<{ tickets: Ticket[] }>("/api/tickets", { token: recipient.access });
    return r.body.tickets.some((t) => t.ticket_id === bought!.ticket_id) ? true : undefined;
  }, 90_000, "the recipient's wallet");

  const context = await browser.newContext();
  const page = await signedIn(context, recipient);
  const watch = watchPage(page);
  await page.goto("/tickets");
  await expect(page.getByTestId("wallet-ticket")).toHaveCount(1);
  await expect(page.getByTestId("wallet-ticket-received")).toHaveText("양도받은 티켓");
  await page.getByRole("link", { name: "A구역 1열 5번" }).click();
  await expect(page.getByTestId("ticket")).toHaveAttribute("data-state", "valid");
  await expect(page.getByTestId("ticket-received")).toContainText("다른 계정에서 양도받은 티켓입니다");
  for (const fact of [booked.booking_id, buyer.email, "구매자 한지민"]) await expect(page.locator("body")).not.toContainText(fact);
  await expectAccessible(page, "received ticket");
  await page.evaluate(() => localStorage.setItem("tp.lang", "en"));
  await page.reload();
  await expect(page.getByTestId("ticket-received")).toContainText("Given to you by another account");
  await expectAccessible(page, "received ticket (en)");
  await shot(page, "wallet-received-en");

  // The buyer's wallet lists it as given away, not as theirs.
  const buyerPage = await signedIn(await browser.newContext(), buyer);
  await buyerPage.goto("/tickets");
  await expect(buyerPage.getByTestId("wallet-ticket-status")).toHaveText("양도함");
  await expect(buyerPage.getByTestId("wallet-ticket-received")).toHaveCount(0);
  expect(watch.errors).toEqual([]);
  await context.close();
});
