import { expect, test, type Page } from "@playwright/test";
import { api, register, type Session } from "../support/api";
import { fitView, layoutSeatMap, seatPosition, SEAT_SIZE, type SeatMapShape } from "../../web/src/seat-map/layout";
import { expectAccessible, koreanEvent, koreanWord, seatStatus, shot } from "./app-support";
import { watchPage } from "./page-watch";

// The canvas seat map by keyboard: arrow keys move a visible focus seat, Enter and Space toggle it,
// taken seats cannot be chosen; the list picker stays the screen-reader path.

let organizer: Session;
let eventId: string;
let seatMap: SeatMapShape;

test.beforeAll(async () => {
  organizer = await register("organizer");
  eventId = await koreanEvent(organizer, koreanWord());
  seatMap = (await api<{ seat_map: SeatMapShape }>(`/api/events/${eventId}`)).body.seat_map;
});

/** The canvas pixel 3.5 px left of a seat's square (inside the focus ring's dark band), as #rrggbb. */
async function leftOfSeat(page: Page, seat: string): Promise<string> {
  const canvas = page.getByTestId("seat-canvas");
  const box = await canvas.boundingBox();
  if (!box) throw new Error("no canvas");
  const layout = layoutSeatMap(seatMap);
  const view = fitView(layout, box.width, box.height);
  const p = seatPosition(layout, seat);
  if (!p) throw new Error(`no seat ${seat}`);
  const x = view.x + p.x * view.scale - 3.5, y = view.y + (p.y + SEAT_SIZE / 2) * view.scale;
  return canvas.evaluate((c, [px, py]) => {
    const el = c as HTMLCanvasElement;
    const k = el.width / el.getBoundingClientRect().width;
    const d = el.getContext("2d")?.getImageData(Math.round(px * k), Math.round(py * k), 1, 1).data;
    return d ? `#${[d[0], d[1], d[2]].map((v) => (v ?? 0).toString(16).padStart(2, "0")).join("")}` : "";
  }, [x, y] as const);
}

test("the seat map by keyboard: arrows move a visible focus seat, Enter and Space toggle, a taken seat stays unchosen", async ({ page }) => {
  const watch = watchPage(page);
  const fan = await register();
  await page.goto("/");
  await page.evaluate((t) => localStorage.setItem("tp.refresh", t), fan.refresh);
  await page.goto(`/events/${eventId}`);
  const canvas = page.getByTestId("seat-canvas");
  await expect(canvas).toHaveAttribute("tabindex", "0");
  await expect(canvas).toHaveAccessibleName(/방향키로 좌석을 옮기고/);

  await canvas.focus();
  const scrolled = await page.evaluate(() => window.scrollY);
  await expect(canvas).toHaveAttribute("data-focus-seat", "A-1-1");
  await canvas.press("ArrowRight");
  await canvas.press("ArrowRight");
  await expect(canvas).toHaveAttribute("data-focus-seat", "A-1-3");
  await expect(page.getByTestId("seat-focus")).toHaveText("A구역 1열 3번, 예매 가능");
  await expect.poll(() => leftOfSeat(page, "A-1-3")).toBe("#0f172a"); // the ring shows
  await canvas.press("ArrowDown");
  await expect(canvas).toHaveAttribute("data-focus-seat", "A-2-3");
  await canvas.press("ArrowUp");
  await canvas.press("ArrowLeft");
  await expect(canvas).toHaveAttribute("data-focus-seat", "A-1-2");

  // Enter and Space toggle; pressing again lets go.
  await canvas.press("Enter");
  await expect(page.getByTestId("selection")).toHaveText("A-1-2");
  await canvas.press("ArrowRight");
  await canvas.press(" ");
  await expect(page.getByTestId("selection")).toHaveText("A-1-2, A-1-3");
  await expect(page.getByTestId("seat-focus")).toHaveText("A구역 1열 3번, 선택됨");
  await canvas.press("Enter");
  await expect(page.getByTestId("selection")).toHaveText("A-1-2");

  // A seat someone else holds cannot be chosen by keyboard either.
  const other = await register();
  expect((await api("/api/bookings", { token: other.access, body: { event_id: eventId, seat_ids: ["A-1-7"] } })).status).toBe(201);
  await expect.poll(() => seatStatus(eventId, ["A-1-7"]), { timeout: 20_000 }).toEqual(["held"]);
  for (let i = 0; i < 4; i++) await canvas.press("ArrowRight");
  await expect(canvas).toHaveAttribute("data-focus-seat", "A-1-7");
  await expect(page.getByTestId("seat-focus")).toHaveText("A구역 1열 7번, 선점됨", { timeout: 20_000 });
  await canvas.press("Enter");
  await expect(page.getByTestId("selection")).toHaveText("A-1-2");
  // The arrows moved the focus seat, not the page.
  expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
  await expectAccessible(page, "seat map with keyboard focus");
  await shot(page, "seat-map-keyboard");

  // Without focus, no ring.
  await canvas.blur();
  await expect.poll(() => leftOfSeat(page, "A-1-7")).not.toBe("#0f172a");
  expect(watch.errors).toEqual([]);
});
