import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { contractAt, operationsOf } from "../support/contract";
import { BASE_URL } from "../support/env";
import { watchPage } from "./page-watch";

// The API reference at /api/docs in a real browser: it renders under the Worker's strict
// Content-Security-Policy with nothing from outside, names every operation the document has, and
// is accessible.

test("the API reference lists every operation, without console errors, and axe finds nothing", async ({ page }) => {
  const operations = operationsOf((await contractAt(BASE_URL)).document);
  const watch = watchPage(page);
  const outside: string[] = [];
  page.on("request", (r) => { if (!r.url().startsWith(BASE_URL) && !r.url().startsWith("data:")) outside.push(r.url()); });
  await page.goto("/api/docs");
  await page.waitForLoadState("load");

  const nav = page.getByRole("navigation", { name: "Operations" });
  expect(operations.length).toBeGreaterThan(30);
  for (const d of operations) await expect(nav.getByRole("link", { name: `${d.method} ${d.template}`, exact: true })).toBeVisible();
  // The style applied (its nonce matched the policy): a method badge has its colour.
  await expect(page.locator(".method.post").first()).toHaveCSS("background-color", "rgb(29, 78, 216)");
  // A link leads to its operation, which shows its responses and the codes they carry.
  await nav.getByRole("link", { name: "POST /api/bookings", exact: true }).click();
  const booking = page.locator("#op-createBooking");
  await expect(booking).toBeInViewport();
  await expect(booking).toContainText("hold_limit_reached");
  await expect(booking.getByRole("link", { name: "Booking", exact: true }).first()).toBeVisible();

  expect(watch.errors).toEqual([]);
  expect(outside).toEqual([]);
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
  await page.screenshot({ path: ".tmp/test/playwright/api-docs.png" });
});
