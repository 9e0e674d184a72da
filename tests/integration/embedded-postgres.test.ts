/**
 * The embedded PostgreSQL's life cycle (scripts/lib/embedded-postgres.ts): a launcher that dies
 * takes its server with it, and what a killed run leaves behind (a server, a postmaster.pid) never
 * blocks the next start or loses data. Real servers, real processes, real SIGKILLs.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { closeSharedProxy, openNodeDb } from "../../workers/db";
import { eventually } from "../support/api";
import { freePort } from "../support/free-port";

const dir = path.resolve(`.tmp/test/embedded-postgres-lifecycle-${crypto.randomUUID().slice(0, 8)}`);
const launcher = path.resolve("tests/support/embedded-postgres-launcher.ts");


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const serverPid = () => Number(fs.readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0]);

/** The watchdog processes guarding a server (found by their command line). */
function watchdogsOf(pid: number): number[] {
  return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const argv = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      return argv.includes("embedded-postgres-watchdog") && argv.includes(String(pid));
    } catch {
      return false;
    }
  }).map(Number);
}

/** Starts the server from another process (the launcher) and returns once it is ready. */
async function launch(port: number): Promise<{ launcherPid: number; url: string; exited: Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", launcher, dir, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const ready = await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`launcher exited (${child.exitCode}): ${out}`);
    return /READY (\d+) (\S+)/.exec(out) ?? undefined;
  }, 90_000, "the launcher's server");
  return { launcherPid: Number(ready[1]), url: ready[2]!, exited };
}

async function readMarker(url: string): Promise<string | undefined> {
  const h = await openNodeDb(url, 1);
  try {
    return (await h.db.execute<{ v: string }>(sql`SELECT v FROM marker`)).rows[0]?.v;
  } finally {
    await h.close();
  }
}

afterAll(async () => {
  await closeSharedProxy();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(`${dir}.log`, { force: true });
});

describe("embedded PostgreSQL life cycle", () => {
  it("a launcher killed outright takes its server down, and the next start finds the data", async () => {
    const port = await freePort();
    const run = await launch(port);
    const h = await openNodeDb(run.url, 1);
    await h.db.execute(sql`CREATE TABLE marker (v text)`);
    await h.db.execute(sql`INSERT INTO marker VALUES ('kept')`);
    await h.close();
    const pid = serverPid();
    expect(alive(pid)).toBe(true);

    process.kill(run.launcherPid, "SIGKILL");
    await run.exited;
    await eventually(async () => (alive(pid) ? undefined : true), 30_000, "the server to stop after its launcher died");

    const pg = await startEmbeddedPostgres({ dataDir: dir, port });
    try {
      expect(await readMarker(pg.url)).toBe("kept");
    } finally {
      await pg.stop();
    }
    expect(fs.existsSync(path.join(dir, "postmaster.pid"))).toBe(false);
  });

  it("a server orphaned by a killed run (watchdog killed too) is stopped by the next start, data intact", async () => {
    const port = await freePort();
    const run = await launch(port);
    const pid = serverPid();
    const dogs = watchdogsOf(pid);
    expect(dogs.length).toBe(1);
    for (const d of dogs) process.kill(d, "SIGKILL");
    process.kill(run.launcherPid, "SIGKILL");
    await run.exited;
    expect(alive(pid)).toBe(true); // orphaned, still holding the data directory

    const pg = await startEmbeddedPostgres({ dataDir: dir, port });
    try {
      expect(alive(pid)).toBe(false);
      expect(serverPid()).not.toBe(pid);
      expect(await readMarker(pg.url)).toBe("kept");
    } finally {
      await pg.stop();
    }
  });

  it("a stale postmaster.pid, naming a process that is gone or is not PostgreSQL, does not block a start", async () => {
    const port = await freePort();
    const gone = spawn("true");
    await new Promise((r) => gone.once("exit", r));
    if (gone.pid === undefined) throw new Error("could not run `true`");
    for (const stalePid of [gone.pid, process.pid]) {
      fs.writeFileSync(path.join(dir, "postmaster.pid"), `${stalePid}\n${dir}\n1700000000\n${port}\n\n127.0.0.1\n  1234  5678\nready   \n`);
      const pg = await startEmbeddedPostgres({ dataDir: dir, port });
      try {
        expect(serverPid()).not.toBe(stalePid);
        expect(await readMarker(pg.url)).toBe("kept");
      } finally {
        await pg.stop();
      }
    }
  });

  it("refuses, clearly, a second server on a data directory in use, and a busy port", async () => {
    const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
    try {
      await expect(startEmbeddedPostgres({ dataDir: dir, port: await freePort() })).rejects.toThrow(/already running on .*embedded-postgres-lifecycle/);
      expect(await readMarker(pg.url)).toBe("kept");
    } finally {
      await pg.stop();
    }
    const holder = net.createServer();
    const busy = await freePort();
    await new Promise<void>((r) => holder.listen(busy, "127.0.0.1", () => r()));
    try {
      await expect(startEmbeddedPostgres({ dataDir: dir, port: busy })).rejects.toThrow(new RegExp(`port ${busy} .*in use`));
    } finally {
      holder.close();
    }
  });

  it("a throwaway cluster is gone after stop", async () => {
    const scratch = `${dir}-scratch`;
    const pg = await startEmbeddedPostgres({ dataDir: scratch, port: await freePort(), throwaway: true });
    expect(fs.existsSync(path.join(scratch, "PG_VERSION"))).toBe(true);
    await pg.stop();
    expect(fs.existsSync(scratch)).toBe(false);
    fs.rmSync(`${scratch}.log`, { force: true });
  });
});
