import { expect, test, type Page } from "@playwright/test";
import { api, inDays, publishedEvent, register, type Session } from "../support/api";
import { STRIPE_BASE_URL } from "../support/env";
import { checkout as payOverApi, hold as holdWithCheckout } from "../support/saga";
import { expectAccessible, seatStatus, shot } from "./app-support";
import { isResourceLoadError, watchPage } from "./page-watch";
import { bookingBecomes, holdSeats, secondSession, signIn } from "./pay-support";

// The app's pay step in a real browser against the running Worker (payment simulator), and the
// Stripe-mode Worker (stripe-mock) for the Payment Element path: hold, pay, confirmed; a declined
// card; a hold that ends before it is paid; refunds in and out of the window; many payers at once.

let organizer: Session;
let eventId: string;
test.beforeAll(async () => {
  organizer = await register("organizer");
  eventId = await publishedEvent(organizer, { title: "결제 테스트 콘서트 Pay test" });
});

const payButton = (page: Page) => page.getByRole("button", { name: /결제하기|^Pay ₩/ });

test("hold on the seat map, pay from the hold panel, confirmed in my bookings (ko)", async ({ page }) => {
  const fan = await register();
  const watch = watchPage(page);
  await signIn(page, fan, "ko");
  await page.goto(`/events/${eventId}`);
  await page.getByLabel("구역", { exact: true }).selectOption("A");
  await page.getByLabel("열", { exact: true }).selectOption("1");
  await page.getByRole("checkbox", { name: /^A구역 1열 1번/ }).check();
  await page.getByRole("checkbox", { name: /^A구역 1열 2번/ }).check();
  await page.getByRole("button", { name: "좌석 선점" }).click();
  await expect(page.getByRole("heading", { name: "좌석을 선점했습니다" })).toBeVisible();
  await page.getByRole("link", { name: "결제하기" }).click();

  await expect(page.getByRole("heading", { name: "결제" })).toBeVisible();
  await expect(page.getByTestId("pay-items")).toHaveText("A-1-1, A-1-2 · ₩300,000");
  await expect(page.getByTestId("hold-countdown")).toContainText(/남은 시간 (9|10):\d\d/);
  await expect(page.getByText(/좌석은 .+까지 선점되어 있습니다/)).toBeVisible();
  await expect(page.getByRole("radio", { name: /4242/ })).toBeChecked();
  await expectAccessible(page, "pay");
  await shot(page, "pay-checkout");

  // A double click sends one payment: the button is disabled once it is on its way.
  const sent: string[] = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().includes("/api/payment/simulator/")) sent.push(r.url()); });
  await payButton(page).dblclick();
  await expect(page.getByText("결제가 완료되어 예매가 확정되었습니다.")).toBeVisible({ timeout: 60_000 });
  expect(sent).toHaveLength(1);
  await expectAccessible(page, "pay confirmed");
  await shot(page, "pay-confirmed");
  await page.getByRole("link", { name: "내 예매 보기" }).click();
  const row = page.getByTestId("booking").filter({ hasText: "A-1-1, A-1-2" });
  await expect(row.getByTestId("booking-status")).toHaveText("확정", { timeout: 30_000 });
  await expect.poll(() => seatStatus(eventId, ["A-1-1", "A-1-2"]), { timeout: 20_000 }).toEqual(["sold", "sold"]);
  expect(watch.errors).toEqual([]);
});

test("a declined card is explained in plain words and the seats are said to be released (en, from my bookings)", async ({ page }) => {
  const fan = await register();
  const b = await holdSeats(fan, eventId, ["A-1-3"]);
  const watch = watchPage(page);
  await signIn(page, fan, "en");
  await page.goto("/bookings");
  const row = page.getByTestId("booking").filter({ hasText: "A-1-3" });
  await expect(row.getByTestId("booking-status")).toHaveText("Held", { timeout: 30_000 });
  await row.getByRole("link", { name: "Pay" }).click();
  await expect(page.getByRole("heading", { name: "Pay" })).toBeVisible();
  await expect(page.getByText(/Your seats are held until/)).toBeVisible();
  await page.getByRole("radio", { name: /4000 0000 0000 0002/ }).check();
  await expectAccessible(page, "pay (en)");
  await payButton(page).click();
  const alert = page.getByRole("alert").filter({ hasText: "Your card was declined" });
  await expect(alert).toContainText("nothing was charged");
  await expect(alert).toContainText("seats (A-1-3) are released for sale again", { timeout: 60_000 });
  await expectAccessible(page, "pay declined");
  await shot(page, "pay-declined");
  await bookingBecomes(fan, b.booking_id, "cancelled");
  await expect.poll(() => seatStatus(eventId, ["A-1-3"]), { timeout: 20_000 }).toEqual(["available"]);
  // What the page said is what happened: another fan can hold the seat now.
  expect((await holdSeats(await register(), eventId, ["A-1-3"])).status).toBe("reserved");
  expect(watch.errors).toEqual([]);
});

test("a hold cancelled in another tab: the open pay page says so and what became of the seats", async ({ page }) => {
  const fan = await register();
  const b = await holdSeats(fan, eventId, ["A-1-4"]);
  const watch = watchPage(page);
  await signIn(page, fan, "ko");
  await page.goto(`/pay/${b.booking_id}`);
  await expect(payButton(page)).toBeVisible();
  // Another tab (here: the API, as that tab's app would call it) releases the hold.
  await expect.poll(async () => (await api(`/api/bookings/${b.booking_id}/cancel`, { method: "POST", token: fan.access })).status, { timeout: 30_000 }).toBe(200);
  const alert = page.getByRole("alert").filter({ hasText: "이 예매는 취소되어 결제할 것이 없습니다" });
  await expect(alert).toContainText("좌석(A-1-4)은 다시 판매됩니다");
  await expect(payButton(page)).toHaveCount(0);
  await expectAccessible(page, "pay cancelled");
  expect(watch.errors).toEqual([]);
});

test("a hold that runs out while the pay page is open: it says the hold lapsed and the seats are released", async ({ page }) => {
  const fan = await register();
  const b = await holdSeats(fan, eventId, ["A-1-5"]);
  const watch = watchPage(page);
  // Failure injection: the browser's clock (only the page's; the API is real) is moved past the
  // hold's ten minutes, since the test Worker's HOLD_TTL_SECONDS is 600.
  await page.clock.install();
  await signIn(page, fan, "en");
  await page.goto(`/pay/${b.booking_id}`);
  await expect(payButton(page)).toBeVisible();
  await page.clock.fastForward("10:05");
  const alert = page.getByRole("alert").filter({ hasText: "Your hold ran out at" });
  await expect(alert).toContainText("can no longer be paid");
  await expect(alert).toContainText("seats (A-1-5) are released for sale again");
  await expect(payButton(page)).toHaveCount(0);
  await shot(page, "pay-lapsed");
  expect(watch.errors).toEqual([]);
});

test("refund within the window from my bookings: refunded", async ({ page }) => {
  const fan = await register();
  const b = await holdWithCheckout(fan, eventId, { seat_ids: ["A-2-1"] });
  await payOverApi(b);
  await bookingBecomes(fan, b.booking_id, "confirmed");
  const watch = watchPage(page);
  await signIn(page, fan, "ko");
  await page.goto("/bookings");
  const row = page.getByTestId("booking").filter({ hasText: "A-2-1" });
  await expect(row.getByTestId("booking-status")).toHaveText("확정", { timeout: 30_000 });
  await expect(row.getByText(/까지 환불할 수 있습니다/)).toBeVisible();
  await row.getByRole("button", { name: "환불 요청" }).click();
  await expect(row.getByText("₩150,000을(를) 환불하고 예매를 취소할까요?")).toBeVisible();
  await expectAccessible(page, "refund confirm");
  await row.getByRole("button", { name: "예, 환불합니다" }).click();
  await expect(row.getByTestId("booking-status")).toHaveText("환불됨", { timeout: 60_000 });
  await shot(page, "pay-refunded");
  await bookingBecomes(fan, b.booking_id, "refunded");
  expect(watch.errors).toEqual([]);
});

test("outside the refund window my bookings says why not, and the API agrees", async ({ page }) => {
  // Starts in two days with a seven-day window: refunds closed five days ago.
  const closedEvent = await publishedEvent(organizer, { start_date: inDays(2), end_date: inDays(2.1), refund_window_hours: 24 * 7 });
  const fan = await register();
  const b = await holdWithCheckout(fan, closedEvent, { seat_ids: ["A-1-1"] });
  await payOverApi(b);
  await bookingBecomes(fan, b.booking_id, "confirmed");
  const watch = watchPage(page);
  await signIn(page, fan, "en");
  await page.goto("/bookings");
  const row = page.getByTestId("booking").filter({ hasText: "A-1-1" });
  await expect(row.getByTestId("booking-status")).toHaveText("Confirmed", { timeout: 30_000 });
  await expect(row.getByTestId("refund-closed")).toContainText("Refunds closed on");
  await expect(row.getByTestId("refund-closed")).toContainText("can no longer be refunded");
  await expect(row.getByRole("button", { name: "Request a refund" })).toHaveCount(0);
  await expectAccessible(page, "bookings refund closed");
  const refused = await api<{ code: string }>(`/api/payment/${b.booking_id}/refund`, { method: "POST", token: fan.access });
  expect([refused.status, refused.body.code]).toEqual([409, "refund_window_closed"]);
  expect(watch.errors).toEqual([]);
});

test("several fans pay in their browsers at the same moment, and one fan pays in two tabs: every seat sold once, one payment each", async ({ browser }) => {
  const seats = [["A-2-2", "A-2-3"], ["A-2-4"], ["A-2-5"], ["A-2-6", "A-2-7"]];
  const fans = await Promise.all(seats.map(() => register()));
  const holds = await Promise.all(fans.map((f, i) => holdSeats(f, eventId, seats[i] ?? [])));
  // A rival cannot take a seat while it is held for payment.
  expect((await api("/api/bookings", { token: (await register()).access, body: { event_id: eventId, seat_ids: ["A-2-4"] } })).status).toBe(409);
  const tabs = await Promise.all(holds.map(async (h, i) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const watch = watchPage(page);
    await signIn(page, fans[i]!, "ko");
    await page.goto(`/pay/${h.booking_id}`);
    await expect(payButton(page)).toBeEnabled();
    return { context, page, watch };
  }));
  // The first fan's booking open in a second window too (signed in on its own).
  const twin = await browser.newContext();
  const twinPage = await twin.newPage();
  const twinWatch = watchPage(twinPage);
  await signIn(twinPage, await secondSession(fans[0]!), "ko");
  await twinPage.goto(`/pay/${holds[0]!.booking_id}`);
  await expect(payButton(twinPage)).toBeEnabled();

  await Promise.all([...tabs.map((t) => payButton(t.page).click()), payButton(twinPage).click()]);
  for (const t of [...tabs.map((x) => x.page), twinPage]) await expect(t.getByText("결제가 완료되어 예매가 확정되었습니다.")).toBeVisible({ timeout: 60_000 });
  const confirmed = await Promise.all(holds.map((h, i) => bookingBecomes(fans[i]!, h.booking_id, "confirmed")));
  // Each booking has the one intent its checkout opened, paid once.
  for (const c of confirmed) expect(c.payment?.status).toBe("succeeded");
  await expect.poll(() => seatStatus(eventId, seats.flat()), { timeout: 20_000 }).toEqual(seats.flat().map(() => "sold"));
  for (const t of tabs.slice(1)) expect(t.watch.errors).toEqual([]);
  // Of the first fan's two windows, the one that lost the race was answered 409 (payment already
  // settled; the browser logs it as a failed resource) and then showed the confirmed booking too.
  const firstFans = [...(tabs[0]?.watch.errors ?? []), ...twinWatch.errors];
  expect(firstFans).toHaveLength(1);
  expect(firstFans.every((e) => isResourceLoadError(e, /409/))).toBe(true);
  for (const t of tabs) await t.context.close();
  await twin.close();
});

test("Stripe mode: the app takes the Payment Element path with stripe-mock's intent, and says plainly when Stripe.js cannot load", async ({ page }) => {
  const stripeOrganizer = await register("organizer", {}, STRIPE_BASE_URL);
  const stripeEvent = await publishedEvent(stripeOrganizer, {}, STRIPE_BASE_URL);
  const fan = await register("user", {}, STRIPE_BASE_URL);
  const b = await holdSeats(fan, stripeEvent, ["A-1-1"], STRIPE_BASE_URL);
  const watch = watchPage(page);
  const opened: { provider?: string; publishable_key?: string | null; client_secret?: string | null; checkout_url?: string }[] = [];
  page.on("response", async (r) => { if (r.request().method() === "POST" && r.url().endsWith(`/api/bookings/${b.booking_id}/payment`)) opened.push(await r.json()); });
  const stripeJs: string[] = [];
  // Failure injection: js.stripe.com is unreachable here (no internet); made deterministic, not waited out.
  await page.route("https://js.stripe.com/**", (route) => { stripeJs.push(route.request().url()); return route.abort("internetdisconnected"); });
  await signIn(page, fan, "en", STRIPE_BASE_URL);
  await page.goto(`${STRIPE_BASE_URL}/pay/${b.booking_id}`);
  const alert = page.getByRole("alert").filter({ hasText: "The payment form (Stripe) could not be loaded" });
  await expect(alert).toContainText("Your seats stay held until");
  // The API's answer in Stripe mode: Stripe's intent (from stripe-mock), its client secret, the publishable key, no simulator page.
  expect(opened).toHaveLength(1);
  expect(opened[0]).toMatchObject({ provider: "stripe", publishable_key: "pk_test_123" });
  expect(opened[0]?.client_secret).toMatch(/^pi_\w+_secret_\w+$/);
  expect(opened[0]?.checkout_url).toBeUndefined();
  expect(stripeJs).toEqual(["https://js.stripe.com/v3/"]);
  // No simulator card form in Stripe mode.
  await expect(page.getByRole("radio")).toHaveCount(0);
  await expectAccessible(page, "pay stripe unavailable");
  await shot(page, "pay-stripe-unavailable");
  // Retry fetches Stripe.js again (and here fails again, the same way).
  await alert.getByRole("button", { name: "Try again" }).click();
  await expect.poll(() => stripeJs.length).toBe(2);
  await expect(page.getByRole("alert").filter({ hasText: "could not be loaded" })).toBeVisible();
  await bookingBecomes(fan, b.booking_id, "reserved", STRIPE_BASE_URL);
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /ERR_INTERNET_DISCONNECTED/))).toEqual([]);
});
