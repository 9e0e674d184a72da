import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { isResourceLoadError, watchPage } from "./page-watch";
import { openCheckout as startPayment } from "../support/saga";

// The simulator's checkout page in a real browser (Debian's chromium) against the running Worker:
// what a buyer clicks, what the page tells them, and what the API says happened afterwards.

type Booking = { booking_id: string; status: string; seats: string[]; payment: { payment_intent_id: string; checkout_url?: string } | null };

let organizer: Session;
let eventId: string;
test.beforeAll(async () => {
  organizer = await register("organizer");
  eventId = await publishedEvent(organizer);
});

/** A hold, then checkout opened for it (POST /api/bookings/{id}/payment), as the app does when the buyer goes to pay. */
async function reserve(buyer: Session, seat_ids: string[]): Promise<Booking & { checkoutUrl: string }> {
  const r = await api<Booking>("/api/bookings", { token: buyer.access, body: { event_id: eventId, seat_ids } });
  if (r.status !== 201) throw new Error(`booking failed: ${r.status} ${JSON.stringify(r.body)}`);
  const pay = await startPayment(buyer.access, r.body.booking_id);
  if (!pay.checkout_url) throw new Error(`checkout has no checkout_url: ${JSON.stringify(pay)}`);
  return { ...r.body, payment: { payment_intent_id: pay.payment_intent_id, checkout_url: pay.checkout_url }, checkoutUrl: pay.checkout_url };
}

const bookingStatus = (buyer: Session, b: Booking, want: string) => eventually(async () => {
  const r = await api<Booking>(`/api/bookings/${b.booking_id}`, { token: buyer.access });
  return r.status === 200 && r.body.status === want ? r.body : undefined;
}, 60_000, `booking ${b.booking_id} to become ${want}`);

/** The seat map is the edge's copy (at most a second old), so checks poll it. */
const seatStatuses = async (ids: string[]) => {
  const r = await api<{ seats: { seat_id: string; status: string }[] }>(`/api/events/${eventId}/seats`);
  return ids.map((id) => r.body.seats.find((s) => s.seat_id === id)?.status);
};

/**
 * The one message the page shows now. Every message is in the page (hidden but one), so the
 * status element's text would contain them all: only the visible paragraph says anything.
 */
const said = (page: Page) => page.getByRole("status").locator("p:visible");
const payButton = (page: Page) => page.getByRole("button", { name: /Pay/ });
const declineButton = (page: Page) => page.getByRole("button", { name: /Decline/ });
const completions = (page: Page) => {
  const sent: string[] = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().includes("/api/payment/simulator/")) sent.push(r.url()); });
  return sent;
};

async function openCheckout(browser: Browser, url: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(url);
  return { context, page, watch };
}

test("a buyer pays through the checkout page and the booking is confirmed", async ({ page }) => {
  const buyer = await register();
  const b = await reserve(buyer, ["A-1-1", "A-1-2"]);
  const watch = watchPage(page);
  const sent = completions(page);
  await page.goto(b.checkoutUrl);
  await page.waitForLoadState("load");
  // First of all the page's script must run at all (the old page's did not even parse).
  expect(watch.errors).toEqual([]);
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await expect(page.getByText("₩300,000").first()).toBeVisible();
  await expect(page.getByText(b.booking_id)).toBeVisible();
  await expect(said(page)).toContainText("Waiting for payment");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  // A double click sends one payment: the buttons are disabled while it is on its way.
  await payButton(page).dblclick();
  await expect(said(page)).toContainText("confirmed once the payment is recorded");
  await expect(said(page)).toContainText("결제가 기록되면 예매가 확정됩니다");
  await expect(payButton(page)).toBeDisabled();
  await expect(declineButton(page)).toBeDisabled();
  expect(sent).toHaveLength(1);
  // Kept for a person to look at (.tmp is git-ignored): Hangul needs fonts-noto-cjk to render.
  await page.screenshot({ path: ".tmp/test/playwright/checkout-paid.png", fullPage: true });

  const confirmed = await bookingStatus(buyer, b, "confirmed");
  expect(confirmed.payment).toMatchObject({ payment_intent_id: b.payment?.payment_intent_id, status: "succeeded" });
  await expect.poll(() => seatStatuses(["A-1-1", "A-1-2"]), { timeout: 20_000 }).toEqual(["sold", "sold"]);

  // Coming back later, the page says it is paid and offers nothing to click.
  await page.reload();
  await expect(said(page)).toContainText("already paid");
  await expect(payButton(page)).toBeDisabled();
  expect(watch.errors).toEqual([]);
});

test("a declined card cancels the booking and puts its seats back on sale", async ({ page }) => {
  const buyer = await register();
  const b = await reserve(buyer, ["A-1-3"]);
  const watch = watchPage(page);
  await page.goto(b.checkoutUrl);
  await declineButton(page).click();
  await expect(said(page)).toContainText("Card declined");
  await expect(said(page)).toContainText("seats are released");
  await expect(said(page)).toContainText("카드가 거절되었습니다");
  await page.screenshot({ path: ".tmp/test/playwright/checkout-declined.png", fullPage: true });
  await expect(payButton(page)).toBeDisabled();
  await bookingStatus(buyer, b, "cancelled");
  await expect.poll(() => seatStatuses(["A-1-3"]), { timeout: 20_000 }).toEqual(["available"]);
  // The seat really is for sale again: another buyer can hold it.
  const next = await reserve(await register(), ["A-1-3"]);
  expect(next.status).toBe("reserved");
  expect(watch.errors).toEqual([]);
});

test("two tabs paying the same booking at once: one payment, and the other tab is told so", async ({ browser }) => {
  const buyer = await register();
  const b = await reserve(buyer, ["A-1-4"]);
  const tabs = [await openCheckout(browser, b.checkoutUrl), await openCheckout(browser, b.checkoutUrl)];
  await Promise.all(tabs.map((t) => payButton(t.page).click()));
  for (const t of tabs) await expect(said(t.page)).toContainText(/confirmed once the payment is recorded|already/);
  const texts = await Promise.all(tabs.map((t) => said(t.page).innerText()));
  expect(texts.filter((x) => x.includes("confirmed once the payment is recorded"))).toHaveLength(1);
  expect(texts.filter((x) => x.includes("already"))).toHaveLength(1);
  for (const t of tabs) await expect(payButton(t.page)).toBeDisabled();
  await bookingStatus(buyer, b, "confirmed");
  await expect.poll(() => seatStatuses(["A-1-4"]), { timeout: 20_000 }).toEqual(["sold"]);
  // The losing tab's only console line is the browser's own log of the 409 it was answered.
  const errors = tabs.flatMap((t) => t.watch.errors);
  expect(errors.every((e) => isResourceLoadError(e, /409/))).toBe(true);
  expect(errors.length).toBeLessThanOrEqual(1);
  for (const t of tabs) await t.context.close();
});

test("several buyers pay at the same moment: every booking confirmed, each seat sold once", async ({ browser }) => {
  const buyers = await Promise.all(Array.from({ length: 4 }, () => register()));
  const seats = [["A-2-1", "A-2-2"], ["A-2-3"], ["A-2-4", "A-2-5"], ["A-2-6"]];
  const bookings = await Promise.all(buyers.map((buyer, i) => reserve(buyer, seats[i] ?? [])));
  // A fifth buyer cannot take a held seat while the others pay.
  expect((await api("/api/bookings", { token: (await register()).access, body: { event_id: eventId, seat_ids: ["A-2-3"] } })).status).toBe(409);
  const tabs = await Promise.all(bookings.map((b) => openCheckout(browser, b.checkoutUrl)));
  await Promise.all(tabs.map((t) => payButton(t.page).click()));
  for (const t of tabs) await expect(said(t.page)).toContainText("confirmed once the payment is recorded");
  await Promise.all(bookings.map((b, i) => bookingStatus(buyers[i]!, b, "confirmed")));
  await expect.poll(() => seatStatuses(seats.flat()), { timeout: 20_000 }).toEqual(seats.flat().map(() => "sold"));
  expect(tabs.flatMap((t) => t.watch.errors)).toEqual([]);
  for (const t of tabs) await t.context.close();
});

test("a lost connection is explained, the buttons come back, and paying again works", async ({ page }) => {
  const buyer = await register();
  const b = await reserve(buyer, ["A-1-5"]);
  const watch = watchPage(page);
  await page.goto(b.checkoutUrl);
  // Failure injection (the one mock here): the network drops the first payment request.
  await page.route("**/api/payment/simulator/**", (route) => route.abort("connectionreset"), { times: 1 });
  await payButton(page).click();
  await expect(said(page)).toContainText("Could not reach the server");
  await expect(payButton(page)).toBeEnabled();
  // …and then answers 429 with a problem document: its detail is shown, and the buyer may try again.
  await page.route("**/api/payment/simulator/**", (route) => route.fulfill({
    status: 429, contentType: "application/problem+json",
    body: JSON.stringify({ type: "about:blank", title: "Too many requests", status: 429, detail: "Slow down <b>now</b>", code: "rate_limited" }),
  }), { times: 1 });
  await payButton(page).click();
  await expect(said(page)).toContainText("The payment was not sent");
  await expect(said(page)).toContainText("Slow down <b>now</b>"); // as text, not markup
  await expect(page.locator("[role=status] b")).toHaveCount(0);
  await expect(declineButton(page)).toBeEnabled();
  await payButton(page).click();
  await expect(said(page)).toContainText("confirmed once the payment is recorded");
  await bookingStatus(buyer, b, "confirmed");
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /ERR_CONNECTION_RESET|429/))).toEqual([]);
});

test("a hold released before paying: the page says the payment is cancelled and offers nothing", async ({ page }) => {
  const buyer = await register();
  const b = await reserve(buyer, ["A-1-6"]);
  // The booking reaches Postgres with the room's next flush; until then the cancel route answers 404.
  await eventually(async () => {
    const r = await api(`/api/bookings/${b.booking_id}/cancel`, { method: "POST", token: buyer.access });
    return r.status === 200 ? r : undefined;
  }, 30_000, "the buyer's cancel to be accepted");
  const watch = watchPage(page);
  // The room cancels the payment intent as a retried task, so the page may take a moment to know.
  await eventually(async () => {
    await page.goto(b.checkoutUrl);
    return (await said(page).innerText()).includes("cancelled") ? true : undefined;
  }, 60_000, "the checkout to show the cancelled payment");
  await expect(payButton(page)).toBeDisabled();
  await expect(declineButton(page)).toBeDisabled();
  expect(watch.errors).toEqual([]);
});

test("a page whose secret does not match is told the payment was not found, and nothing is paid", async ({ page }) => {
  const buyer = await register();
  const b = await reserve(buyer, ["A-1-7"]);
  const watch = watchPage(page);
  await page.goto(b.checkoutUrl);
  // A tampered page: the server, not the page, decides whether the secret fits.
  await page.locator("#checkout").evaluate((el) => el.setAttribute("data-client-secret", "pi_wrong_secret_0000000000"));
  await payButton(page).click();
  await expect(said(page)).toContainText("Payment not found");
  await expect(payButton(page)).toBeDisabled();
  await expect.poll(() => seatStatuses(["A-1-7"]), { timeout: 20_000 }).toEqual(["held"]);
  await bookingStatus(buyer, b, "reserved");
  expect(watch.errors.filter((e) => !isResourceLoadError(e, /404/))).toEqual([]);
});
