import net from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { users } from "../../src/db/schema";
import { openNodeDb } from "../../workers/db";
import { describeError, scrubMessage } from "../../src/describe-error";
import { makeLogger } from "../../src/log";
import { REDACTED } from "../../src/redact";
import { testDb } from "../support/db";

// describeError and the logger's redaction against REAL errors: drizzle over the same Neon driver
// the Worker uses, failing real queries on the real PostgreSQL the runner started.
const email = `leak-${crypto.randomUUID()}@test.ticketing.pro`;
const passwordHash = `pbkdf2-sha256$100000$${btoa("salt-that-must-stay")}$${btoa("hash-that-must-not-be-logged-ever")}`;
let handle: Awaited<ReturnType<typeof testDb>>;

/** The error a query throws. */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error("the query was expected to fail");
}

beforeAll(async () => {
  handle = await testDb();
  await handle.db.insert(users).values({ email, passwordHash, name: "Leak Test", phoneNumber: "+82 10-9876-5432" });
});
afterAll(async () => {
  await handle.db.delete(users).where(eq(users.email, email));
  await handle.close();
});

describe("describeError on real Postgres failures", () => {
  it("a duplicate insert: SQLSTATE 23505 and the constraint, none of the parameters", async () => {
    const err = await failure(() => handle.db.insert(users).values({ email, passwordHash, name: "Again" }));
    // The raw error is what used to be logged: it carries the parameters.
    const raw = `${String(err)} ${err instanceof Error ? err.stack : ""}`;
    expect(raw).toContain(email);
    expect(raw).toContain(passwordHash);

    const d = describeError(err);
    expect(d).toMatchObject({ code: "23505", constraint: "users_email_key", table: "users" });
    expect(d.message).toBe('duplicate key value violates unique constraint "users_email_key"');
    const text = JSON.stringify(d);
    for (const secret of [email, passwordHash, btoa("hash-that-must-not-be-logged-ever"), "params", "Failed query", "insert into"]) expect(text).not.toContain(secret);
  });

  it("a value Postgres cannot read: 22P02 with the value taken out of the message", async () => {
    const err = await failure(() => handle.db.execute(sql`select * from users where user_id = ${"------------------------------------"}::uuid and email = ${email}`));
    const d = describeError(err);
    expect(d.code).toBe("22P02");
    expect(d.message).toBe('invalid input syntax for type uuid: "…"');
    expect(JSON.stringify(d)).not.toContain(email);
    expect(JSON.stringify(d)).not.toContain("------");
  });

  it("a NUL in text: 22021, and neither the text nor the other parameters", async () => {
    const err = await failure(() => handle.db.update(users).set({ name: "bad\u0000name" }).where(eq(users.email, email)));
    const d = describeError(err);
    expect(d.code).toBe("22021");
    expect(JSON.stringify(d)).not.toContain(email);
    expect(JSON.stringify(d)).not.toContain("bad");
  });

  it("a database that cannot be reached: the root cause, no credentials from the URL, no query", async () => {
    const dead = await openNodeDb("postgres://someone:hunter2-secret@127.0.0.1:9/none", 1);
    try {
      const err = await failure(() => dead.db.execute(sql`select ${email}`));
      const d = describeError(err);
      // drizzle's own message is "Failed query: … params: …"; the root cause is the driver's.
      expect(d.message).toBe("Connection terminated unexpectedly");
      for (const secret of ["hunter2", "someone", email, "params", "select"]) expect(JSON.stringify(d)).not.toContain(secret);
    } finally {
      await dead.close().catch(() => undefined);
    }
  });

  it("a system error: its errno name as the code, from the cause", async () => {
    // A port that was free a moment ago: nothing listens there now.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("the probe server has no port");
    const { port } = address;
    await new Promise((resolve) => server.close(resolve));
    const err = await failure(() => fetch(`http://127.0.0.1:${port}/`));
    expect(describeError(err)).toMatchObject({ code: "ECONNREFUSED", message: expect.stringContaining("ECONNREFUSED") });
  });

  it("scrubs values from messages, keeping the identifiers it reports", () => {
    expect(scrubMessage('Key (email)=(a@b.kr) already exists; value "x@y.z" for "users_email_key"', ["users_email_key"]))
      .toBe('Key (email)=(…) already exists; value "…" for "users_email_key"');
    expect(scrubMessage("Failed query: insert into users values ($1)\nparams: a@b.kr,pbkdf2-sha256$1$abc$def")).toBe("Failed query");
    expect(scrubMessage("connect to postgres://u:pw@host/db failed for Bearer eyJa.eyJb.sig")).not.toMatch(/pw@|eyJ/);
  });
});

describe("the logger redacts by default", () => {
  it("keeps what joins log lines readable: request ids, paths, UUIDs, Stripe ids, amounts", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => { lines.push(String(line)); });
    const requestId = `req-${crypto.randomUUID()}-${crypto.randomUUID().slice(0, 18)}`;
    const path = `/api/events/${crypto.randomUUID()}/queue/live`;
    makeLogger({ request_id: requestId }, "info").info("request", { path, booking_id: crypto.randomUUID(), payment_intent_id: "pi_sim_0123456789abcdef01234567", total: 161000000, when: "2027-03-01T10:00:00.000Z" });
    spy.mockRestore();
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(parsed).toMatchObject({ request_id: requestId, path, payment_intent_id: "pi_sim_0123456789abcdef01234567", total: 161000000, when: "2027-03-01T10:00:00.000Z" });
  });

  it("scrubs token-shaped text wherever it appears", () => {
    const refresh = `${crypto.randomUUID()}.${"Ab9_-".repeat(9)}`;
    const digest = "f".repeat(64);
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => { lines.push(String(line)); });
    makeLogger({}, "info").info("note", { detail: `refresh ${refresh} hash ${digest} key sk_live_abc123 hook whsec_xyz` });
    spy.mockRestore();
    for (const secret of [refresh, digest, "sk_live_abc123", "whsec_xyz"]) expect(lines[0]).not.toContain(secret);
  });

  it("drops sensitive fields at any depth, scrubs strings, and logs errors as describeError does", async () => {
    const err = await failure(() => handle.db.insert(users).values({ email, passwordHash, name: "Again" }));
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => { lines.push(String(line)); });
    const log = makeLogger({ request_id: "r-1" }, "debug");
    log.error("register failed", {
      error: err,
      body: { email, password: "correct horse battery", profile: { phone_number: "+82 10-9876-5432", nested: [{ client_secret: "pi_1_secret_abc" }] } },
      headers: { Authorization: "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", Cookie: "sid=1" },
      note: `user ${email} said hi`,
      card: { number: "4242424242424242" },
    });
    spy.mockRestore();
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    for (const secret of [email, "correct horse battery", "9876", "pi_1_secret_abc", "eyJhbGci", "sid=1", "4242424242424242", passwordHash, "params"]) {
      expect(line).not.toContain(secret);
    }
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: "error", msg: "register failed", request_id: "r-1", error: { code: "23505", constraint: "users_email_key" } });
    expect(parsed.body).toMatchObject({ email: REDACTED, password: REDACTED, profile: { phone_number: REDACTED } });
    expect(parsed.note).toBe(`user ${REDACTED} said hi`);
  });
});
