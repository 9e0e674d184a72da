import { gzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";
import { register } from "../support/api";
import { koreanEvent, koreanWord } from "./app-support";

// The JavaScript an event page ships, gzipped, within the budget of issue 12 (200 KB): every
// script the browser fetches to show the page, gzipped here at level 9 as a CDN would serve it.
const BUDGET = 200 * 1024;

test("the event page ships at most 200 KB of JavaScript, gzipped", async ({ page }) => {
  const eventId = await koreanEvent(await register("organizer"), koreanWord());
  const scripts = new Map<string, Promise<number>>();
  page.on("response", (r) => {
    if (r.request().resourceType() === "script") scripts.set(r.url(), r.body().then((b) => gzipSync(b, { level: 9 }).length));
  });
  await page.goto(`/events/${eventId}`);
  await expect(page.getByTestId("seat-canvas")).toBeVisible();
  // The page is drawn, so every chunk it needs (the lazy event page's too) has been fetched.
  const total = (await Promise.all(scripts.values())).reduce((a, b) => a + b, 0);
  console.log(`event page JS: ${scripts.size} files, ${(total / 1024).toFixed(1)} KB gzipped`);
  expect(scripts.size).toBeGreaterThan(0);
  expect(total).toBeLessThanOrEqual(BUDGET);
});
