import { readFile } from "node:fs/promises";
import { expect, test, type Download, type Page } from "@playwright/test";
import { api, eventually, register, type Session } from "../support/api";
import { checkout, hold } from "../support/saga";
import { expectAccessible, koreanWord, shot } from "./app-support";
import { watchPage } from "./page-watch";

// The organizer's console in a real browser against the running Worker: build an event with the
// seat-map builder (two sections, a standing area), export and import its layout as JSON, preview
// it with the fan's renderer, publish it (a fan sees it on the home page), read its sales with a
// filter, download the CSV, refund from the page, cancel with the consequence shown first; a fan
// opening the console gets the refusal page. Korean and English, axe, no console errors.

test.use({ timezoneId: "Asia/Seoul" });

/** A `datetime-local` value in Seoul time, `minutes` from now. */
const seoulLocal = (minutes: number) => new Date(Date.now() + minutes * 60_000 + 9 * 3600_000).toISOString().slice(0, 16);

async function logIn(page: Page, who: Session, next: string) {
  await page.goto(next);
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel("이메일").fill(who.email);
  await page.getByLabel("비밀번호").fill("correct horse battery");
  await page.getByRole("button", { name: "로그인" }).click();
}

const downloaded = async (d: Download) => {
  const path = await d.path();
  if (!path) throw new Error("no download");
  return readFile(path, "utf8");
};

const VALID_LAYOUT = {
  sections: [
    { name: "VIP", price: 150000, rows: [{ label: "1", seats: 8 }, { label: "2", seats: 8 }] },
    { name: "R", price: 99000, rows: [{ label: "1", seats: 12 }, { label: "2", seats: 12 }, { label: "3", seats: 12 }] },
  ],
  areas: [{ name: "FLOOR", price: 77000, capacity: 200 }],
};

test("an organizer builds, imports, previews and publishes an event; sells, exports, refunds and cancels it; a fan cannot open the console", async ({ page, browser }) => {
  const watch = watchPage(page);
  const organizer = await register("organizer");
  const title = `${koreanWord()} 콘솔 공연`;

  // The console's list, reached through the login page.
  await logIn(page, organizer, "/organizer");
  await expect(page.getByRole("heading", { name: "내 공연" })).toBeVisible();
  await expect(page.getByText("아직 만든 공연이 없습니다.")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "공연 관리" })).toBeVisible();
  await page.getByRole("link", { name: "새 공연 만들기" }).click();
  await expect(page.getByRole("heading", { name: "새 공연" })).toBeVisible();

  // The API's own schema refuses an empty form, per field.
  await page.getByRole("button", { name: "초안으로 저장" }).click();
  await expect(page.locator("#event-title")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#event-venue")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("입력한 내용을 확인해 주세요.")).toBeVisible();

  await page.getByLabel("제목").fill(title);
  await page.getByLabel("설명").fill("콘솔에서 만든 공연");
  await page.getByLabel("공연장", { exact: true }).fill("잠실 실내체육관");
  await page.getByLabel("지역").fill("서울");
  await page.getByLabel("시작 일시").fill(seoulLocal(120));

  // The builder: section A (the starter, 5 x 10 on tier 1), a section B of 4 x 12 on tier 2, a standing area.
  await page.getByRole("button", { name: "구역 추가", exact: true }).click();
  const b = page.getByTestId("section").nth(1);
  await expect(b.getByLabel("구역 이름")).toHaveValue("B");
  await b.getByLabel("가격 등급").selectOption({ index: 1 });
  await b.getByLabel("열 수").fill("4");
  await b.getByLabel("열당 좌석 수").fill("12");
  await page.getByRole("button", { name: "스탠딩 구역 추가" }).click();
  await page.getByTestId("area").getByLabel("수용 인원").fill("300");
  await expect(page.getByTestId("builder-total")).toHaveText("지정석 98석 · 스탠딩 300명");
  await expect(page.getByTestId("builder-preview").getByTestId("seat-canvas")).toBeVisible();

  // Export: the layout as the API takes it.
  const [exported] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "JSON 내보내기" }).click()]);
  expect(exported.suggestedFilename()).toBe("seat-map.json");
  expect(JSON.parse(await downloaded(exported))).toEqual({
    sections: [
      { name: "A", price: 150000, rows: Array.from({ length: 5 }, (_, i) => ({ label: String(i + 1), seats: 10 })) },
      { name: "B", price: 99000, rows: Array.from({ length: 4 }, (_, i) => ({ label: String(i + 1), seats: 12 })) },
    ],
    areas: [{ name: "GA1", price: 99000, capacity: 300 }],
  });

  // Import: a broken layout is refused with every field at fault; a good one replaces the map.
  const json = page.getByLabel("좌석 배치 JSON");
  await json.fill(JSON.stringify({ sections: [{ name: "A-1", price: 150000, rows: [{ label: "1", seats: 10 }] }], areas: [{ name: "FLOOR", price: 77000, capacity: 0 }] }));
  await page.getByRole("button", { name: "가져오기", exact: true }).click();
  const errors = page.getByTestId("import-errors");
  await expect(errors).toContainText("sections.0.name");
  await expect(errors).toContainText("areas.0.capacity");
  await expect(page.getByTestId("builder-total")).toHaveText("지정석 98석 · 스탠딩 300명");
  await json.fill("{ not json");
  await page.getByRole("button", { name: "가져오기", exact: true }).click();
  await expect(page.getByText("JSON 형식이 아닙니다.")).toBeVisible();
  await json.fill(JSON.stringify(VALID_LAYOUT));
  await page.getByRole("button", { name: "가져오기", exact: true }).click();
  await expect(page.getByText("좌석 배치를 가져왔습니다.")).toBeVisible();
  await expect(page.getByTestId("builder-total")).toHaveText("지정석 52석 · 스탠딩 200명");
  await expect(page.getByTestId("section").nth(0).getByLabel("구역 이름")).toHaveValue("VIP");
  await expect(page.getByTestId("builder-preview")).toContainText("FLOOR");
  await expectAccessible(page, "console editor");
  await shot(page, "console-editor");

  await page.getByRole("button", { name: "초안으로 저장" }).click();
  await expect(page).toHaveURL(/\/organizer\/events\/[0-9a-f-]{36}$/);
  const eventId = page.url().split("/").at(-1) ?? "";
  await expect(page.getByTestId("event-status")).toHaveText("초안");
  const saved = await api<{ seat_map: unknown; title: string; status: string }>(`/api/events/${eventId}`, { token: organizer.access });
  expect(saved.body).toMatchObject({ title, status: "draft", seat_map: VALID_LAYOUT });
  await expect(page.getByRole("link", { name: "실시간 판매 현황" })).toHaveAttribute("href", `/organizer/events/${eventId}/live`);
  await expect(page.getByRole("link", { name: "입장 현황" })).toHaveAttribute("href", `/organizer/events/${eventId}/check-in`);

  // Publish; a fan sees it on the home page.
  await page.getByRole("button", { name: "판매 시작" }).click();
  await expect(page.getByTestId("event-status")).toHaveText("판매 중");
  await expect(page.getByText("판매를 시작한 공연의 좌석 배치와 통화는 바꿀 수 없습니다.")).toBeVisible();
  const fanContext = await browser.newContext({ locale: "ko-KR", timezoneId: "Asia/Seoul" });
  const fanPage = await fanContext.newPage();
  const fanWatch = watchPage(fanPage);
  await fanPage.goto("/");
  await expect(fanPage.getByText(title)).toBeVisible();

  // Sales: two paid bookings and a hold, made through the API as buyers would.
  const [buyer1, buyer2, buyer3] = await Promise.all([register(), register(), register()]);
  const paid1 = await hold(buyer1, eventId, { seat_ids: ["VIP-1-1"] });
  const paid2 = await hold(buyer2, eventId, { area: "FLOOR", quantity: 2 });
  await hold(buyer3, eventId, { seat_ids: ["R-1-1"] });
  await checkout(paid1);
  await checkout(paid2);
  await eventually(async () => {
    const r = await api<{ total: number }>(`/api/events/${eventId}/bookings?status=confirmed`, { token: organizer.access });
    return r.body.total === 2 ? true : undefined;
  }, 60_000, "the paid bookings in Postgres");

  await page.getByRole("link", { name: "판매 내역" }).click();
  await expect(page.getByRole("heading", { name: `판매 내역: ${title}` })).toBeVisible();
  await expect(page.getByTestId("sales-total")).toHaveText("3건");
  await page.getByLabel("상태").selectOption("confirmed");
  await page.getByRole("button", { name: "적용" }).click();
  await expect(page.getByTestId("sales-total")).toHaveText("2건");
  await expect(page.getByTestId("sale")).toHaveCount(2);
  await page.getByLabel("예매 번호 또는 이메일").fill(buyer1.email);
  await page.getByRole("button", { name: "적용" }).click();
  await expect(page.getByTestId("sales-total")).toHaveText("1건");
  await expect(page.getByTestId("sale")).toContainText("VIP-1-1");
  await expectAccessible(page, "console sales");

  // The CSV of the same filters.
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "CSV 내려받기" }).click()]);
  expect(csv.suggestedFilename()).toBe(`bookings-${eventId}.csv`);
  const lines = (await downloaded(csv)).replace(/^\ufeff/, "").trim().split("\r\n");
  expect(lines[0]).toBe("booking_id,created_at,status,email,name,seats,area,quantity,total_amount,currency");
  expect(lines.slice(1)).toEqual([expect.stringContaining(`${paid1.booking_id},`)]);
  expect(lines[1]).toContain(`,confirmed,${buyer1.email},Test Fan,VIP-1-1,,1,150000,KRW`);
  await shot(page, "console-sales");

  // A refund from the page.
  await page.getByRole("button", { name: `${paid1.booking_id.slice(0, 8)} 환불` }).click();
  await expect(page.getByTestId("sale-status")).toHaveText(/환불 (완료|진행 중)/);
  await eventually(async () => {
    const r = await api<{ status: string }>(`/api/bookings/${paid1.booking_id}`, { token: buyer1.access });
    return r.body.status === "refunded" ? true : undefined;
  }, 60_000, "the refund");

  // Cancel: the consequence first (one confirmed booking left, ₩154,000), typed confirmation, then the result.
  await page.getByRole("link", { name: "편집" }).click();
  await page.getByRole("button", { name: "공연 취소" }).click();
  await expect(page.getByTestId("cancel-refunds")).toHaveText("확정된 예매 1건이 환불됩니다. 환불 총액 ₩154,000.");
  await expect(page.getByTestId("cancel-consequence")).toContainText("결제 대기 중인 예매 1건은 취소됩니다.");
  const confirm = page.getByRole("button", { name: "취소하고 모두 환불" });
  await expect(confirm).toBeDisabled();
  await page.getByLabel(/확인을 위해 공연 제목을/).fill(`${title} `);
  await expect(confirm).toBeDisabled();
  await page.getByLabel(/확인을 위해 공연 제목을/).fill(title);
  await expectAccessible(page, "console cancel");
  await shot(page, "console-cancel");
  await confirm.click();
  await expect(page.getByTestId("cancel-result")).toHaveText("공연을 취소했습니다. 환불 1건, 총 ₩154,000이(가) 진행 중입니다.");
  await expect(page.getByTestId("event-status")).toHaveText("취소됨");
  await eventually(async () => {
    const r = await api<{ status: string }>(`/api/bookings/${paid2.booking_id}`, { token: buyer2.access });
    return r.body.status === "refunded" ? true : undefined;
  }, 60_000, "the cancellation's refund");

  // The list, in English.
  await page.getByLabel("언어").selectOption("en");
  await page.getByRole("navigation", { name: "Main menu" }).getByRole("link", { name: "Console" }).click();
  await expect(page.getByRole("heading", { name: "My events" })).toBeVisible();
  const row = page.getByTestId("console-event").filter({ hasText: title });
  await expect(row).toContainText("Cancelled");
  await expectAccessible(page, "console list (en)");
  await shot(page, "console-events-en");
  await page.getByLabel("Language").selectOption("ko");

  // A fan opening the console: the refusal page, in Korean and English.
  await logIn(fanPage, buyer3, "/organizer");
  await expect(fanPage.getByTestId("console-refused")).toContainText("이 화면은 공연 기획자와 관리자만 볼 수 있습니다.");
  await expect(fanPage.getByRole("link", { name: "공연 관리" })).toHaveCount(0);
  await expectAccessible(fanPage, "console refused");
  await shot(fanPage, "console-refused");
  await fanPage.getByLabel("언어").selectOption("en");
  await expect(fanPage.getByRole("heading", { name: "For organizers only" })).toBeVisible();
  // The API refuses regardless of the page.
  expect((await api(`/api/events/${eventId}/bookings`, { token: buyer3.access })).status).toBe(403);
  await fanContext.close();

  expect(watch.errors).toEqual([]);
  expect(fanWatch.errors).toEqual([]);
});
