/** Runs `wrangler dev` (workerd) as a child process and waits until it answers. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";

export interface WorkerServer { url: string; child: ChildProcess; stop(): Promise<void> }

export async function startWrangler(opts: {
  port: number; vars: Record<string, string>; persistTo?: string; logFile?: string; config?: string; quiet?: boolean;
}): Promise<WorkerServer> {
  const args = ["wrangler", "dev", "--port", String(opts.port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"];
  if (opts.config) args.push("--config", opts.config);
  if (opts.persistTo) args.push("--persist-to", opts.persistTo);
  for (const [k, v] of Object.entries(opts.vars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "1", FORCE_COLOR: "0" },
    detached: true,
  });
  const log = opts.logFile ? fs.createWriteStream(opts.logFile) : null;
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    log?.write(chunk);
    if (!opts.quiet && !opts.logFile) process.stdout.write(chunk);
    tail.push(chunk.toString());
    if (tail.length > 50) tail.shift();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 120_000;
  // A start that fails must not leave the detached workerd behind.
  const fail = (why: string) => {
    try { process.kill(-child.pid!, "SIGKILL"); } catch { /* already gone */ }
    return new Error(`${why}:\n${tail.join("")}`);
  };
  for (;;) {
    if (child.exitCode !== null) throw fail(`wrangler dev exited (${child.exitCode})`);
    try {
      const r = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
      if (r.status < 500) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw fail("wrangler dev did not answer within 120 s");
    await new Promise((r) => setTimeout(r, 300));
  }
  // Detached (its own process group, so a Ctrl-C reaches the launcher first, which stops things in
  // order): a launcher that exits without stopping it must still not leave workerd behind.
  const group = child.pid;
  const killOnExit = () => { if (group) try { process.kill(-group, "SIGKILL"); } catch { /* gone */ } };
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  return {
    url,
    child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => { log?.end(); resolve(); });
      try { process.kill(-child.pid!, "SIGTERM"); } catch { resolve(); }
      setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, 5000).unref();
    }),
  };
}
