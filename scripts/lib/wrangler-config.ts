import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/** Where the raised copy goes: next to wrangler.toml, so its relative paths (main, …) still hold. Git-ignored. */
export const RAISED_CONFIG = "wrangler.raised.toml";

/**
 * The Workers rate-limiting binding takes its limits from wrangler.toml, not from vars, so a load
 * test (npm test's functional Workers, npm run bench) runs from a generated copy whose every
 * `[[ratelimits]]` limit is `limit`: the binding still counts every request (its cost stays on
 * the path) but never refuses. Pure text: the period and everything else are left as they are.
 */
export function raisedLimitsToml(source: string, limit: number): string {
  let raised = 0;
  const out = source.replace(/simple = \{ limit = \d+, period = (\d+) \}/g, (_m, period: string) => {
    raised++;
    return `simple = { limit = ${limit}, period = ${period} }`;
  });
  if (!raised) throw new Error("wrangler.toml has no `simple = { limit = N, period = P }` rate limits to raise");
  return `# Generated from wrangler.toml by scripts/lib/wrangler-config.ts (rate limits raised to ${limit}); do not edit.\n${out}`;
}

/**
 * Writes the raised copy of wrangler.toml and returns its path (for `wrangler dev --config`).
 * Running wranglers watch the file and reload when it changes, so it is left alone when already
 * current, and otherwise replaced whole (rename), never seen half-written.
 */
export function writeRaisedConfig(limit = 1_000_000): string {
  const text = raisedLimitsToml(readFileSync("wrangler.toml", "utf8"), limit);
  if (existsSync(RAISED_CONFIG) && readFileSync(RAISED_CONFIG, "utf8") === text) return RAISED_CONFIG;
  const tmp = `${RAISED_CONFIG}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, RAISED_CONFIG);
  return RAISED_CONFIG;
}
