/**
 * The one launcher of the local stack (scripts/lib/stack.ts), with real servers and processes:
 * a start that fails midway stops what had started, newest first; a signal stops everything
 * and exits with the launcher's code.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { startStack } from "../../scripts/lib/stack";
import { closeSharedProxy, openNodeDb } from "../../workers/db";
import { eventually } from "../support/api";
import { freePort } from "../support/free-port";

const dir = path.resolve(`.tmp/test/stack-${crypto.randomUUID().slice(0, 8)}`);
const launcher = path.resolve("tests/support/stack-launcher.ts");
afterAll(async () => {
  await closeSharedProxy();
  fs.rmSync(dir, { recursive: true, force: true });
});


/** True when something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    sock.once("connect", () => { sock.destroy(); resolve(true); });
    sock.once("error", () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the local stack launcher", () => {
  it("a start that fails midway stops what had started, newest first, and rethrows why", async () => {
    const okPort = await freePort();
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const busyAddress = busy.address();
    const busyPort = typeof busyAddress === "object" && busyAddress ? busyAddress.port : 0;
    const lines: string[] = [];
    try {
      await expect(startStack({
        log: (m) => lines.push(m),
        databases: {
          first: { kind: "embedded", dataDir: `${dir}/first`, port: okPort, throwaway: true },
          second: { kind: "embedded", dataDir: `${dir}/second`, port: busyPort, throwaway: true },
        },
      })).rejects.toThrow(`port ${busyPort}`);
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
    expect(lines.some((l) => l.startsWith("first: migrations applied"))).toBe(true);
    expect(lines.filter((l) => l.startsWith("stopped"))).toEqual(["stopped first PostgreSQL", "stopped shared Node proxy"]);
    expect(await listening(okPort)).toBe(false);
    expect(fs.existsSync(`${dir}/first`)).toBe(false);
  });

  it("SIGTERM stops everything the launcher started, in reverse order, then exits with its code", async () => {
    const [pgPort, proxyPort] = [await freePort(), await freePort()];
    const dataDir = `${dir}/signalled`;
    const child = spawn(process.execPath, ["--import", "tsx", launcher, dataDir, String(pgPort), String(proxyPort)], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const ready = await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`launcher exited (${child.exitCode}): ${out}`);
      return /READY (.+)/.exec(out)?.[1];
    }, 90_000, "the launcher's stack");
    const { url, proxy } = JSON.parse(ready) as { url: string; proxy: number | null };
    expect(proxy).toBe(proxyPort);
    expect(await listening(proxyPort)).toBe(true);
    // Migrated, and served.
    const h = await openNodeDb(url, 1);
    const tables = await h.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'outbox'`);
    await h.close();
    expect(tables.rows[0]?.n).toBe(1);
    const serverPid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    expect(alive(serverPid)).toBe(true);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const stops = out.split("\n").filter((l) => l.startsWith("stopped"));
    expect(stops).toEqual(["stopped in-process pipeline", "stopped WS proxy", "stopped postgres PostgreSQL", "stopped shared Node proxy", "stopped"]);
    expect(alive(serverPid)).toBe(false);
    expect(await listening(pgPort)).toBe(false);
    expect(await listening(proxyPort)).toBe(false);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
