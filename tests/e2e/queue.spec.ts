import { expect, test, type Page } from "@playwright/test";
import { api, publishedEvent, register, type Session } from "../support/api";
import { expectAccessible, seatStatus, shot } from "./app-support";
import { isResourceLoadError, watchPage } from "./page-watch";
import { signIn } from "./pay-support";

// The waiting room in a real browser against the running Worker: an event with a waiting room
// and a tiny admission rate; fans wait, see their place, the people ahead, a wait that counts
// down and a progress bar, are admitted and land on the seat map by themselves, and book with
// the admission token. A reload keeps the place.

let organizer: Session;
test.beforeAll(async () => {
  organizer = await register("organizer");
});

/** A published event whose waiting room admits `perMinute` a minute (open now). */
async function queuedEvent(perMinute: number, over: { max_active?: number; session_minutes?: number } = {}): Promise<string> {
  const id = await publishedEvent(organizer, { title: "대기열 콘서트 Queue test" });
  const put = await api(`/api/events/${id}/queue`, {
    method: "PUT", token: organizer.access,
    body: { enabled: true, on_sale_at: new Date(Date.now() - 1000).toISOString(), admit_per_minute: perMinute, max_active: 1000, session_minutes: 10, ...over },
  });
  if (put.status !== 200) throw new Error(`queue settings: ${put.status} ${JSON.stringify(put.body)}`);
  return id;
}

/** Fans already in line over the API, so the browser fans have people ahead of them. */
const joinOverApi = async (eventId: string, n: number) => {
  for (let i = 0; i < n; i++) {
    const fan = await register();
    const j = await api(`/api/queue/${eventId}/join`, { method: "POST", token: fan.access });
    if (j.status !== 201) throw new Error(`join: ${j.status}`);
  }
};

/** "m:ss" or "h:mm:ss" as seconds. */
const seconds = (text: string) => text.split(":").map(Number).reduce((acc, v) => acc * 60 + v, 0);

const position = async (page: Page) => Number((await page.getByTestId("queue-position").innerText()).replace(/\D/g, ""));

test("a fan waits with place, people ahead, a wait that only counts down and a progress bar; a reload keeps the place; admitted, they land on the seat map and book", async ({ page }) => {
  // Twelve a minute (a couple at once, then one every five seconds): the fan behind six others waits a little while.
  const eventId = await queuedEvent(12);
  await joinOverApi(eventId, 6);
  const fan = await register();
  const watch = watchPage(page);
  await signIn(page, fan, "ko");
  // Opening the event sends a signed-in fan to the waiting page.
  await page.goto(`/events/${eventId}`);
  await expect(page).toHaveURL(new RegExp(`/events/${eventId}/queue$`));
  await expect(page.getByRole("heading", { name: "대기열" })).toBeVisible();
  await expect(page.getByTestId("queue-position")).toBeVisible();
  const place = await position(page);
  expect(place).toBeGreaterThanOrEqual(1);
  await expect(page.getByText("예상 대기 시간")).toBeVisible();
  await expect(page.getByTestId("queue-progress")).toBeAttached();
  await expectAccessible(page, "queue");
  await shot(page, "queue-waiting");

  // The wait never goes up while the fan watches (it is re-estimated on every poll).
  const waits: number[] = [];
  for (let i = 0; i < 4 && (await page.getByTestId("queue-eta").isVisible()); i++) {
    const text = await page.getByTestId("queue-eta").innerText();
    if (/^\d+(:\d\d)+$/.test(text)) waits.push(seconds(text));
    await page.waitForTimeout(1100);
  }
  for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeLessThanOrEqual(waits[i - 1]!);

  // A reload keeps the place: the same queue token is polled with (the shown position is the
  // API's estimate across its queue shards, so the number itself may be refined meanwhile).
  const ticket = () => page.evaluate((id) => JSON.parse(sessionStorage.getItem(`tp.queue.${id}`) ?? "null")?.queue_token ?? null, eventId);
  const before = await ticket();
  if (before && (await page.getByTestId("queue-position").isVisible())) {
    await page.reload();
    await expect(page.getByTestId("queue-position").or(page.getByTestId("shopping-session"))).toBeVisible();
    if (await page.getByTestId("queue-position").isVisible()) {
      expect(await ticket()).toBe(before);
      expect(await position(page)).toBeGreaterThanOrEqual(1);
    }
  }

  // Admitted: the app goes on by itself to the seat map, with the shopping time shown.
  await expect(page).toHaveURL(new RegExp(`/events/${eventId}$`), { timeout: 90_000 });
  await expect(page.getByTestId("shopping-session")).toContainText(/쇼핑 시간 (9|10):\d\d 남음/);
  await expectAccessible(page, "seat map while shopping");
  await shot(page, "queue-admitted");
  await page.getByLabel("구역", { exact: true }).selectOption("A");
  await page.getByRole("checkbox", { name: /^A구역 1열 1번/ }).check();
  await page.getByRole("button", { name: "좌석 선점" }).click();
  await expect(page.getByRole("heading", { name: "좌석을 선점했습니다" })).toBeVisible();
  await expect.poll(() => seatStatus(eventId, ["A-1-1"]), { timeout: 20_000 }).toEqual(["held"]);
  expect(watch.errors).toEqual([]);
});

test("several fans wait in their browsers at once: each admitted on their own, no seat held twice (en)", async ({ browser }) => {
  const eventId = await queuedEvent(30);
  await joinOverApi(eventId, 2);
  const fans = await Promise.all(Array.from({ length: 3 }, () => register()));
  const tabs = await Promise.all(fans.map(async (fan) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const watch = watchPage(page);
    await signIn(page, fan, "en");
    await page.goto(`/events/${eventId}/queue`);
    return { context, page, watch };
  }));
  // Each sees their place (or is already through, if the line moved fast). Positions are the API's
  // estimates across its queue shards (they may even overshoot the line's length), so only their form is checked.
  const places: number[] = [];
  for (const t of tabs) {
    await expect(t.page.getByTestId("queue-position").or(t.page.getByTestId("shopping-session"))).toBeVisible();
    if (await t.page.getByTestId("queue-position").isVisible()) places.push(await position(t.page));
  }
  for (const p of places) expect(p).toBeGreaterThanOrEqual(1);
  for (const t of tabs) await expect(t.page).toHaveURL(new RegExp(`/events/${eventId}$`), { timeout: 90_000 });
  // All try for the same seat with their admission tokens: one holds it.
  for (const t of tabs) {
    await t.page.getByLabel("Section", { exact: true }).selectOption("A");
    await t.page.getByLabel("Row", { exact: true }).selectOption("2");
    await t.page.getByRole("checkbox", { name: /^Section A, row 2, seat 5\b/ }).check();
  }
  await Promise.all(tabs.map((t) => t.page.getByRole("button", { name: "Hold seats" }).click()));
  const won = await Promise.all(tabs.map(async ({ page }) => {
    const held = page.getByRole("heading", { name: "Your seats are held" });
    const lost = page.getByRole("alert").filter({ hasText: "Someone else picked" });
    await expect(held.or(lost)).toBeVisible();
    return held.isVisible();
  }));
  expect(won.filter(Boolean)).toHaveLength(1);
  await expect.poll(() => seatStatus(eventId, ["A-2-5"]), { timeout: 20_000 }).toEqual(["held"]);
  for (const t of tabs) {
    expect(t.watch.errors.filter((e) => !isResourceLoadError(e, /409/))).toEqual([]);
    await t.context.close();
  }
});

test("a 503 from the status poll is shown kindly, the place is kept, and polling goes on", async ({ page }) => {
  const eventId = await queuedEvent(1);
  await joinOverApi(eventId, 4);
  const fan = await register();
  const watch = watchPage(page);
  await signIn(page, fan, "en");
  await page.goto(`/events/${eventId}/queue`);
  await expect(page.getByTestId("queue-position")).toBeVisible();
  const ticket = () => page.evaluate((id) => JSON.parse(sessionStorage.getItem(`tp.queue.${id}`) ?? "null")?.queue_token ?? null, eventId);
  const before = await ticket();
  expect(before).toBeTruthy();
  // Failure injection: the next status polls are answered 503 with Retry-After.
  let refused = 0;
  await page.route(`**/api/queue/${eventId}/status`, (route) => {
    refused++;
    return route.fulfill({
      status: 503, contentType: "application/problem+json", headers: { "Retry-After": "2" },
      body: JSON.stringify({ type: "about:blank", title: "Unavailable", status: 503, detail: "busy", code: "database_unavailable" }),
    });
  }, { times: 2 });
  await expect(page.getByText(/The server is busy right now\. Your place is kept/)).toBeVisible();
  await expectAccessible(page, "queue busy");
  await shot(page, "queue-busy");
  await expect(page.getByText(/The server is busy/)).toHaveCount(0, { timeout: 30_000 });
  expect(refused).toBe(2);
  await expect(page.getByTestId("queue-position")).toBeVisible();
  expect(await ticket()).toBe(before);
  expect(await position(page)).toBeGreaterThanOrEqual(1);
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /503/))).toEqual([]);
});

test("a shopping time that runs out sends the fan from the seat map back to the line, and the waiting page says why", async ({ page }) => {
  // One shopper at a time, for a minute each: the fan shops first; another fan waits behind and
  // takes the slot when the fan's minute is over, so the fan waits again afterwards.
  test.setTimeout(300_000); // a shopping minute has to pass for real
  const eventId = await queuedEvent(600, { max_active: 1, session_minutes: 1 });
  const fan = await register();
  const watch = watchPage(page);
  await signIn(page, fan, "ko");
  await page.goto(`/events/${eventId}`);
  await expect(page).toHaveURL(new RegExp(`/events/${eventId}$`), { timeout: 60_000 });
  await expect(page.getByTestId("shopping-session")).toContainText(/쇼핑 시간 [01]:\d\d 남음/);
  await joinOverApi(eventId, 1);
  await page.getByLabel("구역", { exact: true }).selectOption("A");
  await page.getByRole("checkbox", { name: /^A구역 1열 1번/ }).check();
  // The minute runs out while the fan is still choosing: the page says so, and holding now sends them back to the line.
  await expect(page.getByRole("alert").filter({ hasText: "쇼핑 시간이 끝났습니다" })).toBeVisible({ timeout: 120_000 });
  await page.getByRole("button", { name: "좌석 선점", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/events/${eventId}/queue$`));
  await expect(page.getByTestId("queue-session-over")).toHaveText(/쇼핑 시간이 끝나 다시 대기열에 들어왔습니다/);
  await expect(page.getByTestId("queue-position")).toBeVisible({ timeout: 30_000 });
  // Still said while the fan waits, and after a reload.
  await page.waitForTimeout(2500);
  await expect(page.getByTestId("queue-session-over")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("queue-position")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("queue-session-over")).toBeVisible();
  await expectAccessible(page, "queue after the shopping time ran out");
  await shot(page, "queue-session-over");
  // Nothing was held with the lapsed admission.
  expect(await seatStatus(eventId, ["A-1-1"])).toEqual(["available"]);
  // The refused hold (403) is in the browser's log; nothing else is.
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /403/))).toEqual([]);
});
