import { expect, test, type Page } from "@playwright/test";
import { api, register, type Session } from "../support/api";
import { fitView, layoutSeatMap, seatPosition, SEAT_SIZE, type SeatMapShape } from "../../web/src/seat-map/layout";
import { expectAccessible, koreanEvent, koreanWord, seatStatus, shot } from "./app-support";
import { watchPage } from "./page-watch";

// The fan's web app in a real browser against the running Worker: find an event by a Korean
// search, pick seats in the list and on the canvas, hold them, see the hold in my bookings.

let organizer: Session;
let word: string;
let eventId: string;
let seatMap: SeatMapShape;

test.beforeAll(async () => {
  organizer = await register("organizer");
  word = koreanWord();
  eventId = await koreanEvent(organizer, word);
  seatMap = (await api<{ seat_map: SeatMapShape }>(`/api/events/${eventId}`)).body.seat_map;
});

/** Where a seat's square's centre is on the page, from the same geometry the app draws with. */
async function seatOnScreen(page: Page, seat: string) {
  const box = await page.getByTestId("seat-canvas").boundingBox();
  if (!box) throw new Error("no canvas");
  const layout = layoutSeatMap(seatMap);
  const view = fitView(layout, box.width, box.height);
  const p = seatPosition(layout, seat);
  if (!p) throw new Error(`no seat ${seat}`);
  const x = view.x + (p.x + SEAT_SIZE / 2) * view.scale, y = view.y + (p.y + SEAT_SIZE / 2) * view.scale;
  return { pageX: box.x + x, pageY: box.y + y, x, y };
}

/** The canvas pixel's colour at a point (CSS pixels within the canvas) as #rrggbb. */
const pixel = (page: Page, x: number, y: number) => page.getByTestId("seat-canvas").evaluate((c, [px, py]) => {
  const canvas = c as HTMLCanvasElement;
  const k = canvas.width / canvas.getBoundingClientRect().width;
  const d = canvas.getContext("2d")?.getImageData(Math.round(px * k), Math.round(py * k), 1, 1).data;
  return d ? `#${[d[0], d[1], d[2]].map((v) => (v ?? 0).toString(16).padStart(2, "0")).join("")}` : "";
}, [x, y] as const);

test("a fan registers, finds an event by a Korean search, picks seats in the list and on the map, holds them and sees the hold in my bookings", async ({ page }) => {
  const watch = watchPage(page);
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await expect(page.getByRole("heading", { name: "다가오는 공연" })).toBeVisible();
  await expect(page.getByRole("link", { name: "API 문서" })).toHaveAttribute("href", "/api/docs");
  await expectAccessible(page, "home");
  await shot(page, "home");

  // Register.
  await page.getByRole("navigation").getByRole("link", { name: "회원가입" }).click();
  await page.getByLabel("이름").fill("한강 팬");
  await page.getByLabel("이메일").fill(`fan-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@test.ticketing.pro`);
  await page.getByLabel("비밀번호").fill("correct horse battery");
  await expectAccessible(page, "register");
  await page.getByRole("button", { name: "회원가입" }).click();
  await expect(page.getByRole("navigation").getByRole("link", { name: "내 예매" })).toBeVisible();

  // Search in Korean: the autocomplete offers the event.
  await page.getByRole("navigation").getByRole("link", { name: "검색" }).click();
  await page.getByRole("combobox", { name: "검색어" }).fill(word);
  const suggestion = page.getByRole("option", { name: new RegExp(word) });
  await expect(suggestion).toBeVisible();
  await expectAccessible(page, "search with suggestions");
  await shot(page, "search");
  await page.getByRole("combobox", { name: "검색어" }).press("ArrowDown");
  await page.getByRole("combobox", { name: "검색어" }).press("Enter");

  // The event page: venue, dates, price tiers, availability.
  await expect(page.getByRole("heading", { level: 1 })).toContainText(word);
  await expect(page.getByText("난지 한강공원")).toBeVisible();
  await expect(page.getByText("₩150,000").first()).toBeVisible();
  await expect(page.getByText("₩99,000").first()).toBeVisible();
  await expect(page.getByTestId("availability")).toContainText("예매 가능 122");

  // A seat in the list picker (section A, row 1, seat 3).
  await page.getByLabel("구역", { exact: true }).selectOption("A");
  await page.getByLabel("열", { exact: true }).selectOption("1");
  await page.getByRole("checkbox", { name: "A구역 1열 3번, 예매 가능" }).check();
  await expect(page.getByTestId("selection")).toHaveText("A-1-3");

  // A seat on the canvas: drawn in its tier's colour, selected by a click.
  const b = await seatOnScreen(page, "B-2-5");
  await expect.poll(() => pixel(page, b.x, b.y)).toBe("#047857");
  await page.mouse.click(b.pageX, b.pageY);
  await expect(page.getByTestId("selection")).toHaveText("A-1-3, B-2-5");
  await expect.poll(() => pixel(page, b.x, b.y)).toBe("#0f172a");

  // Someone else takes a seat while we look: the map greys it and the list refuses it.
  const other = await register();
  const taken = await api("/api/bookings", { token: other.access, body: { event_id: eventId, seat_ids: ["A-1-7"] } });
  expect(taken.status).toBe(201);
  const a7 = await seatOnScreen(page, "A-1-7");
  await expect.poll(() => pixel(page, a7.x, a7.y)).toBe("#cbd5e1");
  await expect(page.getByRole("checkbox", { name: "A구역 1열 7번, 선점됨" })).toBeDisabled();
  await expectAccessible(page, "event");

  // Hold: the countdown and what comes next.
  await page.getByRole("button", { name: "좌석 선점" }).click();
  await expect(page.getByRole("heading", { name: "좌석을 선점했습니다" })).toBeVisible();
  await expect(page.getByTestId("hold-countdown")).toHaveText(/남은 시간 \d+:\d\d/);
  await expect(page.getByText("남은 시간 안에 결제하면 예매가 확정됩니다.")).toBeVisible();
  await expect(page.getByRole("link", { name: "결제하기" })).toBeVisible();
  // The seat map is an edge copy at most a second old: polled until it shows the change.
  await expect.poll(() => seatStatus(eventId, ["A-1-3", "B-2-5"]), { timeout: 20_000 }).toEqual(["held", "held"]);
  await expectAccessible(page, "event with hold");
  await shot(page, "event");

  // My bookings: the hold is there, and releasing it frees the seats.
  await page.getByRole("navigation").getByRole("link", { name: "내 예매" }).click();
  const mine = page.getByTestId("booking").filter({ hasText: "A-1-3, B-2-5" });
  await expect(mine.getByTestId("booking-status")).toHaveText("선점 중");
  await expect(page.getByTestId("booking")).toHaveCount(1); // only mine, never the other fan's
  await expectAccessible(page, "bookings");
  await shot(page, "bookings");
  await mine.getByRole("button", { name: "선점 취소" }).click();
  await expect(mine.getByTestId("booking-status")).toHaveText("취소됨");
  // The seat map is an edge copy at most a second old: polled until it shows the change.
  await expect.poll(() => seatStatus(eventId, ["A-1-3", "B-2-5", "A-1-7"]), { timeout: 20_000 }).toEqual(["available", "available", "held"]);

  expect(watch.errors).toEqual([]);
});

test("fans racing for the same seat in their browsers: one holds it, the others are told in plain words", async ({ browser }) => {
  const racers = await Promise.all(Array.from({ length: 4 }, async () => {
    const fan = await register();
    const context = await browser.newContext();
    const page = await context.newPage();
    const watch = watchPage(page);
    // Signed in as the API knows the fan: the app keeps the refresh token and refreshes at once.
    await context.addInitScript((t) => localStorage.setItem("tp.refresh", t), fan.refresh);
    await page.goto(`/events/${eventId}`);
    await page.getByLabel("구역", { exact: true }).selectOption("B");
    await page.getByLabel("열", { exact: true }).selectOption("3");
    await page.getByRole("checkbox", { name: /^B구역 3열 9번/ }).check();
    return { context, page, watch };
  }));
  await Promise.all(racers.map((r) => r.page.getByRole("button", { name: "좌석 선점" }).click()));
  const outcome = await Promise.all(racers.map(async ({ page }) => {
    const won = page.getByRole("heading", { name: "좌석을 선점했습니다" });
    const lost = page.getByRole("alert").filter({ hasText: "다른 분이 먼저 선택했습니다" });
    await expect(won.or(lost)).toBeVisible();
    return (await won.isVisible()) ? "won" : "lost";
  }));
  expect(outcome.filter((o) => o === "won")).toHaveLength(1);
  expect(outcome.filter((o) => o === "lost")).toHaveLength(racers.length - 1);
  // The losers' selections dropped the seat they could not have.
  for (const [i, r] of racers.entries()) if (outcome[i] === "lost") await expect(r.page.getByTestId("selection")).toHaveText("선택한 좌석이 없습니다.");
  // The seat map is an edge copy at most a second old: polled until it shows the change.
  await expect.poll(() => seatStatus(eventId, ["B-3-9"]), { timeout: 20_000 }).toEqual(["held"]);
  // The browser logs each 409 as a failed resource load; nothing else may be in the console.
  for (const r of racers) {
    expect(r.watch.errors.filter((e) => !(e.startsWith("console: Failed to load resource") && e.includes("409")))).toEqual([]);
    await r.context.close();
  }
});
