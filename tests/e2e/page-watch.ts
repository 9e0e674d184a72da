import type { Page } from "@playwright/test";

/**
 * Collects what a person would never see but a broken page leaves behind: console errors and
 * uncaught exceptions (a script that does not even parse shows up here and nowhere else).
 */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return { errors };
}

/** Console lines the browser itself writes for a failed fetch (the network log, not a script error). */
export const isResourceLoadError = (line: string, what: RegExp) => line.startsWith("console: Failed to load resource") && what.test(line);
