import { resolve } from "node:path";
import { chromium, expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { requireChromium } from "../../scripts/lib/chromium";
import { fromBase64Url, toBase64Url } from "../../src/domain/tickets/bytes";
import { makeTicketCode } from "../../src/domain/tickets/code";
import { generateDeviceKey } from "../../src/domain/tickets/keys";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { checkout, hold } from "../support/saga";
import { drainPipeline, expectAccessible, shot } from "./app-support";
import { writeQrVideo } from "./fake-camera";
import { cuttableLink } from "./network-cut";
import { isResourceLoadError, watchPage } from "./page-watch";

// The gate scanner on staff phones against the running Worker: tickets are bought and bound to a
// phone key in Node (WebCrypto, as the fan's browser does), their rotating codes typed into two gate
// pages in two browser contexts. Online the room decides (one scan wins); offline each page decides
// with the reference verifier and its kept manifest, and the sync reports the double entry.
// Each phone signs in with a gate account of the event, made by its organizer as the console does.

const TICKETS = 4;

let organizer: Session;
let fan: Session;
let eventId: string;
let ticketIds: string[];
/** One code maker per ticket: a code from its bound phone key, made now (or at `at`, epoch ms). */
let codes: ((at?: number) => Promise<string>)[];
/** A ticket of another event, bound to a phone. */
let otherEventCode: () => Promise<string>;

interface Stats { admitted: number; conflicts: number; scans: number }
const checkIns = async (): Promise<Stats> => {
  const r = await api<Stats>(`/api/events/${eventId}/check-ins`, { token: organizer.access });
  expect(r.status).toBe(200);
  return r.body;
};

/** Confirmed tickets of an event in the fan's wallet (the projection is fed by the outbox pipeline). */
async function buyTickets(event: string, quantity: number): Promise<string[]> {
  await checkout(await hold(fan, event, { area: "FLOOR", quantity }));
  const mine = await eventually(async () => {
    await drainPipeline();
    const r = await api<{ tickets: { ticket_id: string; event_id: string }[] }>("/api/tickets", { token: fan.access });
    const here = r.body.tickets.filter((t) => t.event_id === event);
    return here.length === quantity ? here : undefined;
  }, 90_000, "the fan's tickets");
  return mine.map((t) => t.ticket_id);
}

/** Binds a fresh phone key to the ticket (a new core version: older cores are revoked) and returns its code maker. */
async function bindPhone(ticketId: string): Promise<(at?: number) => Promise<string>> {
  const keys = await generateDeviceKey();
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
  const r = await api<{ core: string }>(`/api/tickets/${ticketId}/device`, { token: fan.access, body: { public_key: toBase64Url(raw) } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const core = fromBase64Url(r.body.core);
  if (!core) throw new Error("core is not base64url");
  return (at) => makeTicketCode(core, keys.privateKey, at ?? Date.now());
}

test.beforeAll(async () => {
  organizer = await register("organizer");
  fan = await register();
  eventId = await publishedEvent(organizer);
  ticketIds = await buyTickets(eventId, TICKETS);
  codes = await Promise.all(ticketIds.map(bindPhone));
  const [other] = await buyTickets(await publishedEvent(organizer), 1);
  otherEventCode = await bindPhone(other ?? "");
});

/** A new gate account of the event signed in on a fresh phone, optionally with a gate already chosen. */
async function gateDevice(browser: Browser, lang: "ko" | "en", gate?: string, options: Parameters<Browser["newContext"]>[0] = {}): Promise<{ context: BrowserContext; page: Page; watch: { errors: string[] } }> {
  const account = await api<{ login: string; password: string }>(`/api/events/${eventId}/gate-accounts`, { token: organizer.access, body: { label: gate ?? "phone" } });
  expect(account.status, JSON.stringify(account.body)).toBe(201);
  const login = await api<{ refresh_token: string }>("/api/auth/login", { body: { email: account.body.login, password: account.body.password } });
  expect(login.status).toBe(200);
  // A phone's screen: one column, thumbs.
  const context = await browser.newContext({ locale: lang === "ko" ? "ko-KR" : "en-US", viewport: { width: 412, height: 915 }, hasTouch: true, ...options });
  await context.addInitScript(([refresh, l, g]) => {
    if (!localStorage.getItem("tp.refresh")) localStorage.setItem("tp.refresh", refresh);
    localStorage.setItem("tp.lang", l);
    if (g && !localStorage.getItem("tp.gate.id")) localStorage.setItem("tp.gate.id", g);
  }, [login.body.refresh_token, lang, gate ?? ""] as const);
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(`/gate/${eventId}`);
  return { context, page, watch };
}

/** Types a code into the manual-entry field and submits it, as staff do when the camera cannot read. */
async function enter(page: Page, code: string, lang: "ko" | "en"): Promise<void> {
  await page.getByLabel(lang === "ko" ? "코드 직접 입력" : "Enter a code").fill(code);
  await page.getByRole("button", { name: lang === "ko" ? "확인" : "Check", exact: true }).click();
}

const answer = (page: Page) => page.getByTestId("gate-answer");
const manifestReady = (page: Page) => expect(page.getByTestId("gate-manifest")).toHaveAttribute("data-tickets", String(TICKETS));
/** The browser's own network log for answers the page expects (a 422 for garbage, requests cut by going offline). */
const unexpected = (errors: string[]) => errors.filter((e) => !isResourceLoadError(e, /422|ERR_INTERNET_DISCONNECTED/));

test("two gates online: the first scan admits, the second is refused naming the first gate; garbage and altered codes are invalid", async ({ browser }) => {
  const north = await gateDevice(browser, "ko");
  const south = await gateDevice(browser, "ko", "south");

  // The gate id is chosen once on a device, checked by the API's own rule, and kept.
  await expect(north.page.getByRole("heading", { name: "이 기기의 게이트" })).toBeVisible();
  await north.page.getByLabel("게이트 이름").fill("북문 1");
  await north.page.getByRole("button", { name: "이 게이트로 시작" }).click();
  await expect(north.page.getByText("영문, 숫자와 - _ . : 만 쓸 수 있습니다")).toBeVisible();
  await expectAccessible(north.page, "gate chooser");
  await shot(north.page, "gate-choose");
  await north.page.getByLabel("게이트 이름").fill("north");
  await north.page.getByRole("button", { name: "이 게이트로 시작" }).click();
  await expect(north.page.getByTestId("gate-id")).toHaveText("게이트 north");
  // Reloaded once signed in (a reload in the middle of the first token refresh would lose the rotated token).
  await manifestReady(north.page);
  await north.page.reload();
  await expect(north.page.getByTestId("gate-id")).toHaveText("게이트 north");
  // A gate account's navigation is its scanner; a fan's pages are not offered.
  const nav = north.page.getByRole("navigation", { name: "주 메뉴" });
  await expect(nav.getByRole("link", { name: "스캐너" })).toBeVisible();
  for (const fanPage of ["내 예매", "내 티켓", "내 정보"]) await expect(nav.getByRole("link", { name: fanPage })).toHaveCount(0);
  await expect(south.page.getByTestId("gate-id")).toHaveText("게이트 south");
  await manifestReady(north.page);
  await manifestReady(south.page);
  await expect(answer(north.page)).toContainText("코드를 스캔하세요");
  await expectAccessible(north.page, "gate ready");

  // The same code on both gates at once: exactly one admits, the other names it.
  const before = await checkIns();
  const code = await codes[0]!();
  await Promise.all([enter(north.page, code, "ko"), enter(south.page, code, "ko")]);
  for (const p of [north.page, south.page]) await expect(answer(p)).not.toHaveAttribute("data-verdict", "none");
  const verdicts = await Promise.all([north, south].map((g) => answer(g.page).getAttribute("data-verdict")));
  expect([...verdicts].sort()).toEqual(["admitted", "already_used"]);
  const [winner, loser, winnerName] = verdicts[0] === "admitted" ? [north, south, "north"] : [south, north, "south"];
  await expect(answer(winner.page).getByTestId("gate-verdict")).toHaveText("입장");
  await expect(answer(winner.page)).toContainText("FLOOR");
  await expect(winner.page.getByTestId("gate-entries")).toHaveText("1");
  await expect(answer(loser.page).getByTestId("gate-verdict")).toHaveText("이미 사용됨");
  await expect(answer(loser.page).getByTestId("gate-first-scan")).toHaveText(new RegExp(`^\\d\\d:\\d\\d:\\d\\d에 게이트 ${winnerName}에서 입장함$`));
  await expect(loser.page.getByTestId("gate-entries")).toHaveText("0");
  await expectAccessible(winner.page, "gate admitted");
  await expectAccessible(loser.page, "gate already used");
  await shot(winner.page, "gate-admitted");
  await shot(loser.page, "gate-already-used");

  // Scanned again later on the winning gate: refused too, naming itself.
  await enter(winner.page, await codes[0]!(), "ko");
  await expect(answer(winner.page)).toHaveAttribute("data-verdict", "already_used");
  await expect(winner.page.getByTestId("gate-entries")).toHaveText("1");

  // Garbage, and a real code with one character changed: red, invalid, nothing counted.
  await enter(south.page, "hello, not a ticket", "ko");
  await expect(answer(south.page)).toHaveAttribute("data-verdict", "invalid");
  await expect(answer(south.page).getByTestId("gate-verdict")).toHaveText("유효하지 않은 코드");
  const real = await codes[1]!();
  const at = real.length - 20;
  await enter(south.page, real.slice(0, at) + (real[at] === "A" ? "B" : "A") + real.slice(at + 1), "ko");
  await expect(answer(south.page)).toHaveAttribute("data-verdict", "invalid");
  await expectAccessible(south.page, "gate invalid");
  await shot(south.page, "gate-invalid");
  // A screenshot of a code two minutes old, and a ticket of another event: red, with the reason.
  await enter(south.page, await codes[1]!(Date.now() - 120_000), "ko");
  await expect(answer(south.page)).toHaveAttribute("data-verdict", "expired_code");
  await expect(answer(south.page)).toContainText("만료된 코드");
  await expect(answer(south.page)).toContainText("코드가 오래되었습니다");
  await enter(south.page, await otherEventCode(), "ko");
  await expect(answer(south.page)).toHaveAttribute("data-verdict", "wrong_event");
  await expect(answer(south.page).getByTestId("gate-verdict")).toHaveText("다른 공연의 티켓");
  await expect(south.page.getByTestId("gate-entries")).toHaveText(verdicts[1] === "admitted" ? "1" : "0");
  expect(await checkIns()).toMatchObject({ admitted: before.admitted + 1, conflicts: before.conflicts });

  for (const g of [north, south]) {
    expect(unexpected(g.watch.errors)).toEqual([]);
    await g.context.close();
  }
});

test("two gates offline both admit one ticket; back online both sync: one entry, the conflict shown naming the other gate", async ({ browser }) => {
  // Both phones reach the Worker through a link the test can cut (network-cut.ts says why).
  const link = await cuttableLink(process.env.TEST_BASE_URL ?? "");
  const east = await gateDevice(browser, "en", "east", { baseURL: link.url });
  const west = await gateDevice(browser, "en", "west", { baseURL: link.url });
  await expect(east.page.locator("html")).toHaveAttribute("lang", "en");
  for (const g of [east, west]) {
    await manifestReady(g.page);
    await expect(g.page.getByTestId("gate-connection")).toHaveAttribute("data-online", "yes");
  }
  const before = await checkIns();
  // The fan moves ticket 4 to a new phone while the gates are online: the revocation delta they poll reaches both.
  const cursors = await Promise.all([east, west].map(async (g) => Number(await g.page.getByTestId("gate-manifest").getAttribute("data-cursor"))));
  const oldPhone = codes[3]!;
  const newPhone = await bindPhone(ticketIds[3]!);
  for (const [i, g] of [east, west].entries()) {
    await expect.poll(async () => Number(await g.page.getByTestId("gate-manifest").getAttribute("data-cursor")), { timeout: 60_000 }).toBeGreaterThan(cursors[i]!);
  }

  // The page keeps an offline copy of the app (the service worker), so a reload at the door works.
  await expect.poll(() => east.page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true);
  link.cut();
  await Promise.all([east.context.setOffline(true), west.context.setOffline(true)]);
  for (const g of [east, west]) await expect(g.page.getByTestId("gate-connection")).toHaveAttribute("data-online", "no");
  const code = await codes[2]!();
  for (const g of [east, west]) {
    await enter(g.page, code, "en");
    await expect(answer(g.page)).toHaveAttribute("data-verdict", "admitted");
    await expect(answer(g.page)).toContainText("Decided offline");
    await expect(g.page.getByTestId("gate-entries")).toHaveText("1");
    await expect(g.page.getByTestId("gate-pending")).toHaveText("1");
  }
  // Offline, each gate still refuses what its own queue let in, and garbage.
  await enter(east.page, await codes[2]!(), "en");
  await expect(answer(east.page)).toHaveAttribute("data-verdict", "already_used");
  await expect(answer(east.page).getByTestId("gate-first-scan")).toContainText("by gate east");
  await expect(east.page.getByTestId("gate-pending")).toHaveText("2");
  await enter(west.page, "not a ticket at all", "en");
  await expect(answer(west.page)).toHaveAttribute("data-verdict", "invalid");
  await expect(answer(west.page)).toContainText("Not a ticket code");
  await enter(west.page, await oldPhone(), "en");
  await expect(answer(west.page)).toHaveAttribute("data-verdict", "revoked");
  await expect(answer(west.page).getByTestId("gate-verdict")).toHaveText("Revoked ticket");
  await enter(west.page, await newPhone(), "en");
  await expect(answer(west.page)).toHaveAttribute("data-verdict", "admitted");
  await expect(west.page.getByTestId("gate-entries")).toHaveText("2");
  // Reloaded with no network: the app comes from the service worker, the manifest and the queue from
  // IndexedDB; it still decides, and still refuses what it let in before the reload.
  await east.page.reload();
  await manifestReady(east.page);
  // Still a gate account's navigation (the account as last seen): the scanner, nothing of a fan's.
  const nav = east.page.getByRole("navigation", { name: "Main menu" });
  await expect(nav.getByRole("link", { name: "Scanner" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "My tickets" })).toHaveCount(0);
  await expect(east.page.getByTestId("gate-connection")).toHaveAttribute("data-online", "no");
  await expect(east.page.getByTestId("gate-entries")).toHaveText("1");
  await expect(east.page.getByTestId("gate-pending")).toHaveText("2");
  await enter(east.page, await codes[2]!(), "en");
  await expect(answer(east.page)).toHaveAttribute("data-verdict", "already_used");
  await expect(answer(east.page)).toContainText("Decided offline");
  await expect(east.page.getByTestId("gate-pending")).toHaveText("3");
  await expectAccessible(east.page, "gate offline");
  await shot(east.page, "gate-offline");
  // Nothing reached the room while cut off.
  expect(await checkIns()).toEqual(before);

  link.restore();
  await Promise.all([east.context.setOffline(false), west.context.setOffline(false)]);
  for (const g of [east, west]) await expect(g.page.getByTestId("gate-pending")).toHaveText("0", { timeout: 60_000 });
  const conflicts = await Promise.all([east, west].map(async (g) => Number(await g.page.getByTestId("gate-conflicts").textContent())));
  expect([...conflicts].sort()).toEqual([0, 1]);
  const [loser, winnerName] = conflicts[0] === 1 ? [east, "west"] : [west, "east"];
  await expect(loser.page.getByTestId("gate-conflict-list")).toContainText(`FLOOR`);
  await expect(loser.page.getByTestId("gate-conflict-list")).toContainText(`by gate ${winnerName}`);
  // Across the two pages the shared ticket counts once (west's other ticket is its own entry).
  const entries = await Promise.all([east, west].map(async (g) => Number(await g.page.getByTestId("gate-entries").textContent())));
  expect(entries.reduce((a, b) => a + b, 0)).toBe(2);
  expect(await checkIns()).toMatchObject({ admitted: before.admitted + 2, conflicts: before.conflicts + 1 });
  await expectAccessible(loser.page, "gate conflict");
  await shot(loser.page, "gate-conflict");

  for (const g of [east, west]) {
    expect(unexpected(g.watch.errors)).toEqual([]);
    await g.context.close();
  }
  await link.close();
});

test("the camera: a real QR code of a fresh ticket code in front of Chromium's fake camera is read and admitted", async () => {
  // Frames of a real QR code made from a code signed now (it lives window + skew seconds).
  const video = resolve(".tmp/test/gate-camera.y4m");
  await writeQrVideo(await codes[1]!(), video);
  const browser = await chromium.launch({
    executablePath: requireChromium(),
    args: ["--no-sandbox", "--headless=new", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const baseURL = process.env.TEST_BASE_URL;
    const gate = await gateDevice(browser, "ko", "camera-1", { ...(baseURL ? { baseURL } : {}), permissions: ["camera"] });
    const wasm: string[] = [];
    gate.page.on("response", (r) => { if (r.url().endsWith(".wasm")) wasm.push(r.url()); });
    await manifestReady(gate.page);
    const native = await gate.page.evaluate(() => "BarcodeDetector" in globalThis);
    await gate.page.getByRole("button", { name: "카메라로 스캔" }).click();
    await expect(gate.page.getByTestId("gate-camera")).toBeVisible();
    await expect(answer(gate.page)).toHaveAttribute("data-verdict", "admitted", { timeout: 60_000 });
    await expect(answer(gate.page)).toContainText("FLOOR");
    await expect(gate.page.getByTestId("gate-entries")).toHaveText("1");
    // Without a native detector the page read the frames with zxing-wasm, its .wasm from our own origin.
    if (!native) {
      expect(wasm.length).toBeGreaterThan(0);
      for (const url of wasm) expect(new URL(url).origin).toBe(new URL(baseURL ?? "").origin);
    }
    await gate.page.getByRole("button", { name: "카메라 끄기" }).click();
    await expectAccessible(gate.page, "gate camera");
    await shot(gate.page, "gate-camera");
    expect(unexpected(gate.watch.errors)).toEqual([]);
  } finally {
    await browser.close();
  }
});
