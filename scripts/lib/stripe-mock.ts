/**
 * stripe-mock (Stripe's official API mock, a Go program) for tests of the real Stripe SDK.
 * .ci/run builds it with `go install`; a missing binary fails the run rather than skipping.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const STRIPE_MOCK_MODULE = "github.com/stripe/stripe-mock@v0.203.0";

export function findStripeMock(): string {
  const candidates = [process.env.STRIPE_MOCK_BIN, path.join(".tmp", "bin", "stripe-mock"), path.join(os.homedir(), "go", "bin", "stripe-mock")];
  try {
    candidates.push(path.join(execFileSync("go", ["env", "GOPATH"], { encoding: "utf8" }).trim(), "bin", "stripe-mock"));
  } catch { /* no Go on this machine */ }
  const found = candidates.find((p): p is string => !!p && fs.existsSync(p));
  if (!found) throw new Error(`stripe-mock not found: install it with \`go install ${STRIPE_MOCK_MODULE}\` (or set STRIPE_MOCK_BIN)`);
  return found;
}

export async function startStripeMock(port: number): Promise<{ url: string; stop(): void; child: ChildProcess }> {
  // stripe-mock also serves HTTPS, on :12112 unless told otherwise: a free port instead, so two runs side by side do not collide.
  const child = spawn(findStripeMock(), ["-http-addr", `127.0.0.1:${port}`, "-https-addr", "127.0.0.1:"], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`stripe-mock exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/v1/customers`, { headers: { authorization: "Bearer sk_test_123" } });
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error("stripe-mock did not start within 30 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, child, stop: () => child.kill("SIGTERM") };
}
