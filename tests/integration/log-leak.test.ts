import fs from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, register, type Session } from "../support/api";
import { testDb } from "../support/db";
import { WORKER_LOG } from "../support/env";

// Server-side failures provoked for real, and the Worker's own log read back: what a failed query
// logs is its code and constraint, never its parameters (e-mail, password hash, token hash, phone).
// Failure injection: CHECK constraints added NOT VALID to the real tables, so one probe value
// makes the real INSERT fail inside Postgres; they are dropped afterwards.
const PROBE = "log-leak-probe";
let handle: Awaited<ReturnType<typeof testDb>>;
let victim: Session;

/** The Worker log's lines written since `offset` that mention `requestId`, once one has. */
function linesFor(offset: number, requestId: string): Promise<string[]> {
  return eventually(async () => {
    const text = fs.readFileSync(WORKER_LOG, "utf8").slice(offset);
    const lines = text.split("\n").filter((l) => l.includes(requestId));
    return lines.length ? lines : undefined;
  }, 20_000, `the Worker to log request ${requestId}`);
}

const logSize = () => fs.readFileSync(WORKER_LOG, "utf8").length;

beforeAll(async () => {
  handle = await testDb();
  victim = await register("user", { phone_number: "+82 10-3141-5926" });
  await handle.db.execute(sql.raw(`ALTER TABLE users ADD CONSTRAINT users_log_leak_probe CHECK (name <> '${PROBE}') NOT VALID`));
  await handle.db.execute(sql.raw(`ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_log_leak_probe CHECK (user_id <> '${victim.userId}') NOT VALID`));
});
afterAll(async () => {
  await handle.db.execute(sql.raw("ALTER TABLE users DROP CONSTRAINT IF EXISTS users_log_leak_probe"));
  await handle.db.execute(sql.raw("ALTER TABLE refresh_tokens DROP CONSTRAINT IF EXISTS refresh_tokens_log_leak_probe"));
  await handle.close();
});

describe("what the Worker logs when a query fails", () => {
  it("a failed INSERT of a new account: the code and constraint, not the e-mail, hash or phone", async () => {
    const email = `leak-${crypto.randomUUID()}@test.ticketing.pro`;
    const password = `never in a log ${crypto.randomUUID()}`;
    const offset = logSize();
    const r = await api<{ status: number; code: string; detail: string }>("/api/auth/register", {
      body: { email, password, name: PROBE, phone_number: "+82 10-2718-2818" },
    });
    expect(r.status).toBe(500);
    expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const requestId = r.headers.get("x-request-id")!;
    // The client is told only the request id.
    expect(r.body).toMatchObject({ status: 500, code: "internal_error" });
    expect(r.body.detail).toContain(requestId);
    expect(JSON.stringify(r.body)).not.toMatch(/users_log_leak_probe|23514|insert|leak-/);

    const lines = await linesFor(offset, requestId);
    const logged = lines.join("\n");
    for (const secret of [email, password, "pbkdf2-sha256$", "2718", "params", "Failed query", PROBE]) expect(logged).not.toContain(secret);
    // wrangler frames each line (and colours it): the JSON is from the first { to the last }.
    const entry = lines.map((l) => JSON.parse(l.slice(l.indexOf("{"), l.lastIndexOf("}") + 1)) as { msg: string; error?: Record<string, string> }).find((e) => e.error);
    expect(entry?.error).toMatchObject({ code: "23514", constraint: "users_log_leak_probe", table: "users" });
  });

  it("a failed INSERT of a refresh token at login: no token hash, no e-mail", async () => {
    const offset = logSize();
    const r = await api("/api/auth/login", { body: { email: victim.email, password: "correct horse battery" } });
    expect(r.status).toBe(500);
    const requestId = r.headers.get("x-request-id")!;
    const logged = (await linesFor(offset, requestId)).join("\n");
    expect(logged).toContain("refresh_tokens_log_leak_probe");
    expect(logged).toContain("23514");
    // A token hash is 64 hex digits; ids are UUIDs.
    expect(logged).not.toMatch(/[0-9a-f]{64}/);
    for (const secret of [victim.email, victim.userId, "params", "Failed query"]) expect(logged).not.toContain(secret);
  });
});
