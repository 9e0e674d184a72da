/** The browser the Playwright stage drives: Debian's chromium, never a downloaded build. */
import fs from "node:fs";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Fails loudly (no skip) when the browser is missing, naming the package that brings it. */
export function requireChromium(): string {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: the browser tests need Debian's chromium (apt-get install chromium fonts-noto-cjk; .ci/run installs them)`);
  }
  return CHROMIUM_PATH;
}
