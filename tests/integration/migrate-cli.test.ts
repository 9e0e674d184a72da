/**
 * `npm run db:migrate` (scripts/migrate.ts) run as a process: when it cannot migrate it says why
 * (the network's error or the server's own), never drizzle's "Failed query" with its parameters,
 * and exits non-zero. Against a closed port and the real embedded server. And migrators started
 * at once apply each migration once.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { closeSharedProxy, openNodeDb } from "../../workers/db";
import { migrateDatabase, MIGRATIONS_DIR } from "../../scripts/migrate";
import { EMBEDDED_DATABASE_URL } from "../support/env";

function migrate(databaseUrl: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], {
      env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => resolve({ code, out }));
  });
}

/** A port nothing listens on: bound, read, released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

const withUrl = (change: (u: URL) => void) => {
  const u = new URL(EMBEDDED_DATABASE_URL);
  change(u);
  return u.toString();
};

describe("npm run db:migrate", () => {
  it("names a refused connection (ECONNREFUSED host:port) and exits non-zero", async () => {
    const port = await closedPort();
    const r = await migrate(`postgres://postgres:s3cret-word@127.0.0.1:${port}/ticketing`);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(r.out).not.toMatch(/Failed query|params:/);
    expect(r.out).not.toContain("s3cret-word");
  });

  it("passes on the server's refusal: an unknown role, an unknown database", async () => {
    const role = await migrate(withUrl((u) => { u.username = "nobody_here"; }));
    expect(role.code).not.toBe(0);
    expect(role.out).toContain('role "nobody_here" does not exist');
    expect(role.out).toContain("28000");
    const db = await migrate(withUrl((u) => { u.pathname = "/no_such_db"; }));
    expect(db.code).not.toBe(0);
    expect(db.out).toContain('database "no_such_db" does not exist');
    expect(db.out).not.toMatch(/Failed query|params:/);
  });

  it("succeeds, and says so, against a reachable server", async () => {
    const r = await migrate(EMBEDDED_DATABASE_URL);
    expect(r.out).toContain("migrations applied");
    expect(r.code).toBe(0);
  });
});

describe("migrations applied by several at once", () => {
  it("four migrators on a fresh database all succeed, and each migration is recorded once", async () => {
    const name = `migrate_race_${crypto.randomUUID().slice(0, 8)}`;
    const admin = await openNodeDb(EMBEDDED_DATABASE_URL, 1);
    await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
    const url = withUrl((u) => { u.pathname = `/${name}`; });
    try {
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => migrateDatabase(url)));
      expect(results.filter((r) => r.status === "rejected").map((r) => String(r.reason))).toEqual([]);
      const h = await openNodeDb(url, 1);
      try {
        const applied = await h.db.execute<{ n: number; distinct_n: number }>(sql`SELECT count(*)::int AS n, count(DISTINCT hash)::int AS distinct_n FROM drizzle.__drizzle_migrations`);
        const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith(".sql")).length;
        expect(applied.rows[0]).toEqual({ n: files, distinct_n: files });
      } finally {
        await h.close();
      }
    } finally {
      await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await admin.close();
      await closeSharedProxy();
    }
  });
});
