import { defineConfig } from "@playwright/test";
import { requireChromium } from "./scripts/lib/chromium";

// Browser tests (tests/e2e) against the Worker that scripts/test.ts starts; it passes the URL
// as TEST_BASE_URL. Debian's chromium, one worker (two shared cores), generous timeouts.
const baseURL = process.env.TEST_BASE_URL;
if (!baseURL) throw new Error("TEST_BASE_URL is not set: run the browser tests with `npm test`, which starts the services");

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  outputDir: ".tmp/test/playwright/results",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [["list"], ["json", { outputFile: ".tmp/test/playwright/report.json" }]],
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: { executablePath: requireChromium(), args: ["--no-sandbox", "--headless=new"] },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    locale: "ko-KR",
  },
});
