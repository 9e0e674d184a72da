import { expect, test, type Page, type WebSocketRoute } from "@playwright/test";
import { api, eventually, pool, publishedEvent, register, type Session } from "../support/api";
import { phone, soldTickets } from "../support/tickets";
import { expectAccessible, shot } from "./app-support";
import { isResourceLoadError, watchPage } from "./page-watch";

// The organizer's dashboards in a real browser against the running Worker: the live on-sale page
// follows joins and holds made through the API within seconds, its outflow control changes the
// waiting room (API and chart agree), the check-in page counts each gate's entries; others are
// told kindly that the page is not theirs. Korean and English, axe, no console errors.

let organizer: Session;
let eventId: string;

const settings = (over: Record<string, unknown> = {}) => ({
  enabled: true, on_sale_at: new Date(Date.now() - 1000).toISOString(), admit_per_minute: 6000, max_active: 1000, session_minutes: 10, ...over,
});

test.beforeAll(async () => {
  organizer = await register("organizer");
  eventId = await publishedEvent(organizer);
  const put = await api(`/api/events/${eventId}/queue`, { method: "PUT", token: organizer.access, body: settings() });
  if (put.status !== 200) throw new Error(`queue settings: ${put.status}`);
});

async function signIn(page: Page, who: Session, next: string) {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("이메일").fill(who.email);
  await page.getByLabel("비밀번호").fill("correct horse battery");
  await page.getByRole("main").getByRole("button", { name: "로그인" }).click();
  await expect(page).toHaveURL(new RegExp(next));
}

/** `n` fans join the queue, are let in, and each hold `quantity` standing places. */
async function joinAndHold(n: number, quantity: number): Promise<void> {
  const fans = await pool(8, Array.from({ length: n }, () => () => register()));
  await Promise.all(fans.map(async (fan) => {
    const j = await api<{ queue_token: string }>(`/api/queue/${eventId}/join`, { method: "POST", token: fan.access });
    let token = j.body.queue_token;
    const admission = await eventually(async () => {
      const s = await api<{ state: string; access_token?: string; queue_token?: string }>(`/api/queue/${eventId}/status`, { token });
      if (s.body.queue_token) token = s.body.queue_token;
      return s.body.access_token;
    }, 60_000, "admission");
    const r = await api("/api/bookings", { token: fan.access, body: { event_id: eventId, area: "FLOOR", quantity }, headers: { "admission-token": admission } });
    if (r.status !== 201) throw new Error(`hold: ${r.status} ${JSON.stringify(r.body)}`);
  }));
}

const points = async (page: Page, chart: string) => Number(await page.getByTestId(`chart-${chart}`).getAttribute("data-points"));

test("the live on-sale page follows joins and holds within seconds, and its outflow control changes the waiting room", async ({ page }) => {
  const watch = watchPage(page);
  const path = `/organizer/events/${eventId}/live`;
  await signIn(page, organizer, path);
  await expect(page.getByRole("heading", { level: 1, name: "실시간 판매 현황" })).toBeVisible();
  await expect(page.getByTestId("staleness")).toHaveText(/[0-9.]+초 전 업데이트/);
  await expect(page.getByTestId("figure-sold")).toHaveText("0 / 120");

  // Fans join and hold through the API: the figures and the charts follow.
  await joinAndHold(6, 2);
  await expect(page.getByTestId("figure-held")).toHaveText("12");
  await expect(page.getByTestId("chart-line-line-2")).toHaveText("12");
  expect(await points(page, "line")).toBeGreaterThan(0);
  await expect(page.getByTestId("staleness")).toHaveText(/^[0-2]\.[0-9]초 전 업데이트$/);
  await expectAccessible(page, "live (ko)");
  await shot(page, "live-ko");

  // The outflow is changed from the page: the API has it, and the cap line on the chart shows it.
  await page.getByLabel("분당 입장 인원").fill("30");
  await page.getByLabel("최대 동시 구매 인원").fill("200");
  await page.getByRole("button", { name: "적용" }).click();
  await expect(page.getByTestId("outflow-applied")).toBeVisible();
  const stored = await api<{ admit_per_minute: number; max_active: number }>(`/api/events/${eventId}/queue`, { token: organizer.access });
  expect(stored.body).toMatchObject({ admit_per_minute: 30, max_active: 200 });
  await expect(page.getByTestId("chart-outflow-line-1")).toHaveText("30");
  await expect(page.getByTestId("figure-outflow")).toHaveText(/\/ 30$/);
  await expect(page.getByTestId("chart-line-line-3")).toHaveText("200");

  // In English.
  await page.getByLabel("언어").selectOption("en");
  await expect(page.getByRole("heading", { level: 1, name: "Live on-sale" })).toBeVisible();
  await expect(page.getByTestId("staleness")).toHaveText(/updated [0-9.]+ s ago/);
  await expectAccessible(page, "live (en)");
  await shot(page, "live-en");
  await page.getByLabel("Language").selectOption("ko");
  expect(watch.errors).toEqual([]);
});

test("the live page says when its connection dropped, reconnects by itself and draws the hour again", async ({ page }) => {
  const watch = watchPage(page);
  // The page's sockets go through this route (to the real Worker), so the test can cut one.
  const routes: WebSocketRoute[] = [];
  let letThrough: () => void = () => undefined;
  const held = new Promise<void>((r) => { letThrough = r; });
  await page.routeWebSocket(/\/queue\/live/, async (ws) => {
    routes.push(ws);
    if (routes.length > 1) await held;
    ws.connectToServer();
  });
  await signIn(page, organizer, `/organizer/events/${eventId}/live`);
  await expect(page.getByTestId("staleness")).toHaveText(/초 전 업데이트/);
  await expect.poll(() => points(page, "line")).toBeGreaterThan(0);
  await routes[0]!.close({ code: 4000, reason: "cut by the test" });
  await expect(page.getByTestId("staleness")).toHaveText("연결이 끊겼습니다. 다시 연결하는 중…");
  await expect.poll(() => routes.length).toBe(2);
  letThrough();
  await expect(page.getByTestId("staleness")).toHaveText(/^[0-2]\.[0-9]초 전 업데이트$/);
  await expect.poll(() => points(page, "line")).toBeGreaterThan(0);
  await expect(page.getByTestId("figure-held")).toHaveText(/^[0-9]+$/);
  expect(watch.errors).toEqual([]);
});

test("the check-in page shows entries per gate after scans at two gates", async ({ page }) => {
  const watch = watchPage(page);
  const organizerB = await register("organizer");
  const doors = await publishedEvent(organizerB);
  const sold = await soldTickets(doors, 2);
  const codes = await Promise.all((await pool(8, sold.slice(0, 10).map(({ fan, ticket }) => () => phone(fan, ticket.ticket_id)))).map((m) => m()));
  const path = `/organizer/events/${doors}/check-in`;
  await signIn(page, organizerB, path);
  await expect(page.getByRole("heading", { level: 1, name: "입장 현황" })).toBeVisible();
  await expect(page.getByTestId("figure-checkin-no-shows")).toHaveText("입장 시작 전");

  // Six codes let in at the north gate and four at the south one, all at once; then each shown again at the other gate (already used).
  await Promise.all(codes.map((code, i) => api(`/api/gate/${doors}/scan`, { token: organizerB.access, body: { code, gate_id: i < 6 ? "north" : "south" } })));
  await Promise.all(codes.map((code, i) => api(`/api/gate/${doors}/scan`, { token: organizerB.access, body: { code, gate_id: i < 6 ? "south" : "north" } })));
  await expect(page.getByTestId("gate-entries-north")).toHaveText("6");
  await expect(page.getByTestId("gate-entries-south")).toHaveText("4");
  await expect(page.getByTestId("figure-checkin-in")).toHaveText("10");
  await expect(page.getByTestId("figure-checkin-no-shows")).toHaveText("6");
  await expect(page.getByTestId("chart-gates")).toContainText("north");
  await expect(page.getByTestId("chart-gates")).toContainText("south");

  // Two gate accounts at the same gate "east" (recorded as east@<account id>): three entries by one, one by the other, at once.
  const staff = await Promise.all(["김 스태프 폰", "Lee's phone"].map(async (label) => {
    const made = await api<{ account_id: string; login: string; password: string }>(`/api/events/${doors}/gate-accounts`, { token: organizerB.access, body: { label } });
    expect(made.status).toBe(201);
    const login = await api<{ access_token: string }>("/api/auth/login", { body: { email: made.body.login, password: made.body.password } });
    expect(login.status).toBe(200);
    return { id: made.body.account_id, label, token: login.body.access_token };
  }));
  const more = await Promise.all((await pool(4, sold.slice(10, 14).map(({ fan, ticket }) => () => phone(fan, ticket.ticket_id)))).map((m) => m()));
  const scans = await Promise.all(more.map((code, i) => api<{ result: string }>(`/api/gate/${doors}/scan`, { token: staff[i < 3 ? 0 : 1]!.token, body: { code, gate_id: "east" } })));
  expect(scans.map((r) => r.body.result)).toEqual(["admitted", "admitted", "admitted", "admitted"]);
  await expect(page.getByTestId("figure-checkin-in")).toHaveText("14");
  const byAccount = (label: string) => page.getByTestId("gate-row").filter({ has: page.getByTestId("gate-account").filter({ hasText: label }) });
  await expect(byAccount("김 스태프 폰").getByTestId("gate-name")).toHaveText("east");
  await expect(byAccount("김 스태프 폰").getByTestId("gate-account")).toHaveText("게이트 계정: 김 스태프 폰");
  await expect(byAccount("김 스태프 폰").getByRole("cell").first()).toHaveText("3");
  await expect(byAccount("Lee's phone").getByTestId("gate-name")).toHaveText("east");
  await expect(byAccount("Lee's phone").getByRole("cell").first()).toHaveText("1");
  await expect(page.getByTestId("chart-gates")).toContainText("east · 김 스태프 폰");
  await expect(page.getByTestId("chart-gates")).toContainText("east · Lee's phone");
  // Never the recorded id: no `@`, no account id, in the table or the chart.
  for (const where of [page.getByTestId("gate-table"), page.getByTestId("chart-gates")]) {
    await expect(where).not.toContainText("@");
    for (const s of staff) await expect(where).not.toContainText(s.id);
  }
  await expectAccessible(page, "check-in (ko)");
  await shot(page, "checkin-ko");
  await page.getByLabel("언어").selectOption("en");
  await expect(page.getByRole("heading", { level: 1, name: "Check-in" })).toBeVisible();
  await expect(byAccount("Lee's phone").getByTestId("gate-account")).toHaveText("Gate account: Lee's phone");
  await expect(page.getByTestId("gate-table")).not.toContainText("@");
  await expectAccessible(page, "check-in (en)");
  await shot(page, "checkin-en");
  await page.getByLabel("Language").selectOption("ko");
  expect(watch.errors).toEqual([]);
});

test("another organizer is told kindly that the dashboards are not theirs", async ({ page }) => {
  const watch = watchPage(page);
  const other = await register("organizer");
  await signIn(page, other, `/organizer/events/${eventId}/live`);
  await expect(page.getByTestId("dashboard-denied")).toContainText("주최자와 관리자만");
  await expect(page.getByTestId("staleness")).toHaveCount(0);
  await expectAccessible(page, "live denied");
  await page.goto(`/organizer/events/${eventId}/check-in`);
  await expect(page.getByTestId("dashboard-denied")).toBeVisible();
  // The API's 403s are what the page explains: the browser logs each refused request, nothing else.
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /403/))).toEqual([]);
});
