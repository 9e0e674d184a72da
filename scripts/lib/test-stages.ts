/**
 * The stages of `npm test` (scripts/test.ts) as child processes, and the reading of their
 * reports: a skipped, empty or missing suite is a failure here, never a pass.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";

interface VitestReport { numTotalTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; success: boolean }
interface PlaywrightReport { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; errors?: { message?: string }[] }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

/** One vitest run; with filters, only files whose path contains one (and none is no failure by itself). */
export function vitest(config: string, report: string, filters: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const filtered = filters.length ? ["--passWithNoTests", ...filters] : [];
  return run("npx", ["vitest", "run", "-c", config, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...filtered], env);
}

export function playwright(files: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return run("npx", ["playwright", "test", "-c", "playwright.config.ts", ...files], env);
}

/** Browser test files for the third stage: all of tests/e2e, or those whose path contains a filter. */
export function browserTestFiles(filters: readonly string[], dir = "tests/e2e"): string[] {
  const all = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".spec.ts")).map((f) => `${dir}/${f}`) : [];
  return filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all;
}

/** Problems in a vitest JSON report; an empty run is one only when every file was asked for. */
export function checkVitestReport(name: string, file: string, filtered: boolean): string[] {
  if (!fs.existsSync(file)) return [`${name}: no report was written`];
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as VitestReport;
  const problems: string[] = [];
  if (r.numTotalTests === 0 && !filtered) problems.push(`${name}: no tests ran`);
  if (r.numPendingTests + r.numTodoTests > 0) problems.push(`${name}: ${r.numPendingTests + r.numTodoTests} tests were skipped; a skipped test is a failure here`);
  if (!r.success || r.numFailedTests > 0) problems.push(`${name}: ${r.numFailedTests} failed`);
  console.log(`${name}: ${r.numTotalTests} tests, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  return problems;
}

/** Counted like the vitest stages: a skipped, flaky or missing browser test is a failure. */
export function checkPlaywrightReport(file: string): string[] {
  if (!fs.existsSync(file)) return ["browser: no report was written"];
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as PlaywrightReport;
  const { expected, unexpected, flaky, skipped } = r.stats;
  const total = expected + unexpected + flaky + skipped;
  const problems: string[] = [];
  if (total === 0) problems.push("browser: no tests ran");
  if (skipped > 0) problems.push(`browser: ${skipped} tests were skipped; a skipped test is a failure here`);
  if (unexpected + flaky > 0) problems.push(`browser: ${unexpected + flaky} failed`);
  for (const e of r.errors ?? []) problems.push(`browser: ${e.message ?? "error outside a test"}`);
  console.log(`browser: ${total} tests, ${unexpected + flaky} failed, ${skipped} skipped`);
  return problems;
}
