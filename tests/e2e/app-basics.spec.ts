import { expect, test } from "@playwright/test";
import { register, type Session } from "../support/api";
import { expectAccessible, koreanEvent, koreanWord, shot } from "./app-support";
import { isResourceLoadError, watchPage } from "./page-watch";

// The app's frame: languages, accounts, filters, and what a fan sees when the API says no.

let organizer: Session;
let word: string;
let eventId: string;
test.beforeAll(async () => {
  organizer = await register("organizer");
  word = koreanWord();
  eventId = await koreanEvent(organizer, word);
});

test("the language switch turns the app English and back, and the choice survives a reload", async ({ page }) => {
  const watch = watchPage(page);
  await page.goto("/search");
  await expect(page.getByRole("heading", { name: "공연 검색" })).toBeVisible();
  await page.getByLabel("언어").selectOption("en");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { name: "Search events" })).toBeVisible();
  await page.goto(`/events/${eventId}`);
  await expect(page.getByRole("heading", { name: "Availability" })).toBeVisible();
  await expect(page.getByRole("checkbox", { name: "Section A, row 1, seat 1, Available" })).toBeEnabled();
  await expectAccessible(page, "event (en)");
  await shot(page, "event-en");
  await page.reload();
  await expect(page.getByRole("heading", { name: "Prices" })).toBeVisible();
  await page.getByLabel("Language").selectOption("ko");
  await expect(page.getByRole("heading", { name: "가격" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  expect(watch.errors).toEqual([]);
});

test("search filters: category, price and dates narrow the results", async ({ page }) => {
  const watch = watchPage(page);
  const q = encodeURIComponent(word);
  await page.goto(`/search?q=${q}&category=concert`);
  await expect(page.getByRole("link", { name: new RegExp(word) })).toBeVisible();
  await expectAccessible(page, "search results");
  await page.goto(`/search?q=${q}&category=sports`);
  await expect(page.getByText("검색 결과가 없습니다.")).toBeVisible();
  await page.goto(`/search?q=${q}&max_price=50000`);
  await expect(page.getByText("검색 결과가 없습니다.")).toBeVisible();
  await page.goto(`/search?q=${q}&min_price=70000&max_price=160000`);
  await expect(page.getByRole("link", { name: new RegExp(word) })).toBeVisible();
  const day = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
  await page.goto(`/search?q=${q}&from=${day}&to=${day}`);
  await expect(page.getByText("검색 결과가 없습니다.")).toBeVisible();
  // The form itself: choosing a category and submitting puts it in the address.
  await page.goto("/search");
  await page.getByRole("combobox", { name: "검색어" }).fill(word);
  await page.getByLabel("분류").selectOption("concert");
  await page.getByRole("button", { name: "검색" }).click();
  await expect(page).toHaveURL(/category=concert/);
  await expect(page.getByRole("link", { name: new RegExp(word) })).toBeVisible();
  expect(watch.errors).toEqual([]);
});

test("log in, profile (name, phone, language), a reload keeps the session by refresh, log out", async ({ page }) => {
  const watch = watchPage(page);
  const fan = await register();
  await page.goto("/bookings");
  await expect(page).toHaveURL(/\/login\?next=%2Fbookings/); // signed out: to the login page first
  await page.getByLabel("이메일").fill(fan.email);
  await page.getByLabel("비밀번호").fill("wrong password!!");
  await page.getByRole("button", { name: "로그인" }).click();
  await expect(page.getByRole("alert")).toHaveText("이메일 또는 비밀번호가 맞지 않습니다.");
  await page.getByLabel("비밀번호").fill("correct horse battery");
  await page.getByRole("button", { name: "로그인" }).click();
  await expect(page.getByRole("heading", { name: "내 예매" })).toBeVisible();
  await expect(page.getByText("예매 내역이 없습니다.")).toBeVisible();

  // The access token lives in memory: a reload gets a new one with the refresh token.
  await page.goto("/profile");
  await expect(page.getByText(fan.email)).toBeVisible();
  await page.getByLabel("이름").fill("김하늘");
  await page.getByLabel("전화번호").fill("+82 10-1234-5678");
  await page.getByLabel("알림 언어").selectOption("en");
  await expectAccessible(page, "profile");
  await shot(page, "profile");
  await page.getByRole("button", { name: "저장" }).click();
  // The account's language is the app's too.
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.reload();
  await expect(page.getByLabel("Name")).toHaveValue("김하늘");
  await expect(page.getByLabel("Phone number")).toHaveValue("+82 10-1234-5678");

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("navigation").getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel("Language").selectOption("ko");
  // The 401 of the wrong password is the network log's, not a script error.
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /401/))).toEqual([]);
});

test("a signed-in page whose tokens were revoked goes to the login page, not a blank one", async ({ page }) => {
  const watch = watchPage(page);
  await page.addInitScript(() => localStorage.setItem("tp.refresh", "revoked-or-never-issued"));
  await page.goto("/bookings");
  await expect(page).toHaveURL(/\/login\?next=%2Fbookings/);
  await expect(page.getByRole("heading", { name: "로그인" })).toBeVisible();
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /401/))).toEqual([]);
});

// Failure injection: the API's 429 and 503 answers, made by route interception (a real rate limit
// would need the test Worker's limits lowered for every other test too).
test("a 429 or 503 from the API is a friendly message with a retry, never a blank page", async ({ page }) => {
  const watch = watchPage(page);
  let mode: "429" | "503" | "pass" = "429";
  await page.route("**/api/events?*", (route) => {
    if (mode === "pass") return route.fallback();
    const status = Number(mode);
    return route.fulfill({
      status,
      headers: { "Content-Type": "application/problem+json", "Retry-After": status === 429 ? "7" : "5" },
      body: JSON.stringify({ type: `https://ticketing.pro/problems/${status === 429 ? "rate_limited" : "database_unavailable"}`,
        title: status === 429 ? "Too many requests" : "Service unavailable", status, code: status === 429 ? "rate_limited" : "database_unavailable",
        detail: "injected by the test" }),
    });
  });
  await page.goto("/");
  await expect(page.getByRole("alert")).toHaveText(/요청이 너무 많습니다\. 7초 후에 다시 시도해 주세요\./);
  await expectAccessible(page, "rate limited");
  await shot(page, "rate-limited");
  mode = "503";
  await page.getByRole("button", { name: "다시 시도" }).click();
  await expect(page.getByRole("alert")).toContainText("서비스가 잠시 원활하지 않습니다");
  mode = "pass";
  await page.getByRole("button", { name: "다시 시도" }).click();
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "다가오는 공연" })).toBeVisible();

  // The seat map's poll: a 503 leaves the page standing with the message, and it recovers.
  let seatsDown = true;
  await page.route("**/api/events/*/seats", (route) => (seatsDown
    ? route.fulfill({ status: 503, headers: { "Content-Type": "application/problem+json", "Retry-After": "1" },
      body: JSON.stringify({ type: "https://ticketing.pro/problems/database_unavailable", title: "Service unavailable", status: 503, code: "database_unavailable" }) })
    : route.fallback()));
  await page.goto(`/events/${eventId}`);
  await expect(page.getByRole("alert")).toContainText("서비스가 잠시 원활하지 않습니다");
  await expect(page.getByRole("heading", { level: 1 })).toContainText(word);
  seatsDown = false;
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByTestId("availability")).toContainText("예매 가능 122");
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /429|503/))).toEqual([]);
});
