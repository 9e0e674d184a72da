/**
 * Starts a throwaway PostgreSQL server from the machine's binaries (Debian's postgresql package;
 * .ci/run installs it). As root, initdb refuses to run, so the server runs as the `postgres` user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface RealPostgres {
  url: string;
  port: number;
  stop(): void;
}

function findBinDir(): string {
  if (process.env.PG_BIN && fs.existsSync(path.join(process.env.PG_BIN, "pg_ctl"))) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (fs.existsSync(root)) {
    const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_ctl")));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], "bin");
  }
  throw new Error("PostgreSQL server binaries not found (install Debian's postgresql package or set PG_BIN)");
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

function run(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} failed: ${r.stderr || r.stdout}`);
}

export function startPostgres(opts: { dir: string; port: number; database?: string }): RealPostgres {
  const bin = findBinDir();
  const dataDir = path.resolve(opts.dir);
  const database = opts.database ?? "ticketing";
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true });
    if (isRoot()) execFileSync("chown", ["-R", "postgres:postgres", dataDir]);
    run(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
  }
  const logFile = path.join(dataDir, "server.log");
  run(path.join(bin, "pg_ctl"), [
    "-D", dataDir, "-l", logFile, "-w", "-t", "60", "start",
    "-o", `-p ${opts.port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off`,
  ]);
  const psql = (sql: string) =>
    spawnSync(path.join(bin, "psql"), ["-h", "127.0.0.1", "-p", String(opts.port), "-U", "postgres", "-tAc", sql], { encoding: "utf8" });
  if (!psql(`SELECT 1 FROM pg_database WHERE datname='${database}'`).stdout.includes("1")) {
    const r = psql(`CREATE DATABASE ${database}`);
    if (r.status !== 0) throw new Error(`createdb failed: ${r.stderr}`);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${opts.port}/${database}`,
    port: opts.port,
    stop: () => stopPostgres(dataDir),
  };
}

/** Stops the server in `dir` (tests use it to take Postgres down and bring it back). */
export function stopPostgres(dir: string): void {
  run(path.join(findBinDir(), "pg_ctl"), ["-D", path.resolve(dir), "-m", "fast", "-w", "stop"]);
}
