import { spawn } from "node:child_process";
import { eq } from "drizzle-orm";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { createTopics, TOPICS } from "../../workers/kafka/topics";
import { users } from "../../src/db/schema";
import { api, register } from "../support/api";
import { testDb } from "../support/db";
import { DATABASE_URL, KAFKA_BROKERS } from "../support/env";

// The operator's commands, run as an operator runs them (`npm run …` in a child process) against
// the test PostgreSQL and Kafka; what they did is then checked through the API and the database.

interface Run { code: number; stdout: string; stderr: string }

function npmRun(args: string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL, ...opts.env };
    for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
    const child = spawn("npm", ["run", "--silent", ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}
const admin = (args: string[], opts?: Parameters<typeof npmRun>[1]) => npmRun(["admin", "--", ...args], opts);

const login = async (email: string, password: string) => {
  const r = await api<{ access_token: string }>("/api/auth/login", { body: { email, password } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.access_token;
};
/** An admin-only route that changes nothing recent: settle payments older than a day. */
const reconcileAs = (token: string) => api("/api/payment/reconcile?older_than_seconds=86400", { method: "POST", token });
const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@ops.ticketing.pro`;
const PASSWORD = "correct horse battery"; // the one tests/support/api.ts registers with

async function usersWithEmail(email: string) {
  const { db, close } = await testDb();
  try {
    return await db.select({ role: users.role }).from(users).where(eq(users.email, email));
  } finally {
    await close();
  }
}

describe("npm run admin -- promote", () => {
  it("makes an account admin; it acts as admin after logging in again; running it again changes nothing", async () => {
    const fan = await register();
    expect((await reconcileAs(fan.access)).status).toBe(403);
    const r = await admin(["promote", fan.email.toUpperCase()]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain(`${fan.email} is now an admin (was user)`);
    // The old token still carries the old role; a new login carries the new one.
    expect((await reconcileAs(fan.access)).status).toBe(403);
    const token = await login(fan.email, PASSWORD);
    expect((await reconcileAs(token)).status).toBe(200);
    expect((await api<{ user: { role: string } }>("/api/auth/me", { token })).body.user.role).toBe("admin");

    const again = await admin(["promote", fan.email]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already an admin; nothing changed");
  });

  it("many promotions of one account at once: all succeed, exactly one reports the change", async () => {
    const organizer = await register("organizer");
    const runs = await Promise.all(Array.from({ length: 5 }, () => admin(["promote", organizer.email])));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    expect(runs.filter((r) => r.stdout.includes("is now an admin (was organizer)"))).toHaveLength(1);
    expect(runs.filter((r) => r.stdout.includes("already an admin"))).toHaveLength(4);
    expect(await usersWithEmail(organizer.email)).toEqual([{ role: "admin" }]);
  });

  it("refuses clearly: no such account, bad usage, no database URL, a database it cannot reach", async () => {
    const missing = uniqueEmail("nobody");
    const none = await admin(["promote", missing]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no account with email ${missing}`);
    expect(await usersWithEmail(missing)).toEqual([]);

    expect((await admin(["promote", "not-an-email"])).stderr).toContain("email must be an email address");
    const usage = await admin(["demote", "x@y.kr"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage:");
    expect((await admin(["promote"])).code).toBe(2);
    expect((await admin(["promote", "a@b.kr", "--bogus"])).code).toBe(2);

    const unset = await admin(["promote", "a@b.kr"], { env: { DATABASE_URL: undefined } });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("DATABASE_URL is not set");

    // Port 9 on loopback: nothing listens there. The password must not be echoed.
    const down = await admin(["promote", "a@b.kr"], { env: { DATABASE_URL: "postgres://ops:s3cret-pw@127.0.0.1:9/ticketing" } });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain("cannot connect to the database at 127.0.0.1:9/ticketing");
    expect(down.stderr + down.stdout).not.toContain("s3cret-pw");
  });
});

describe("npm run admin -- create", () => {
  it("creates an admin with a password from stdin that logs in and acts as admin", async () => {
    const email = uniqueEmail("ops");
    const r = await admin(["create", "--email", email, "--name", "운영자 Ops", "--password-stdin"], { input: "a long stdin password\n" });
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain(`created admin ${email}`);
    expect(r.stdout).not.toContain("a long stdin password");
    const token = await login(email, "a long stdin password");
    expect((await reconcileAs(token)).status).toBe(200);
  });

  it("refuses a short stdin password and creates nothing", async () => {
    const email = uniqueEmail("short");
    const r = await admin(["create", "--email", email, "--name", "Ops", "--password-stdin"], { input: "short\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("password (from stdin) must be at least 10 characters");
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it("generates a password, prints it once, and a second run changes nothing", async () => {
    const email = uniqueEmail("gen");
    const first = await admin(["create", "--email", email, "--name", "Ops"]);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    const password = /password \(shown once; store it now\): (\S+)/.exec(first.stdout)?.[1];
    expect(password?.length).toBeGreaterThanOrEqual(20);
    expect((await reconcileAs(await login(email, password ?? ""))).status).toBe(200);

    const second = await admin(["create", "--email", email, "--name", "Ops"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("already exists and is an admin; nothing changed");
    expect(second.stdout).not.toMatch(/password \(shown once/);
    // The first password still works: nothing was overwritten.
    expect((await reconcileAs(await login(email, password ?? ""))).status).toBe(200);
  });

  it("many creations of one email at once: one account, one password printed, and it works", async () => {
    const email = uniqueEmail("race");
    const runs = await Promise.all(Array.from({ length: 5 }, () => admin(["create", "--email", email, "--name", "Ops"])));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    const creators = runs.filter((r) => r.stdout.includes(`created admin ${email}`));
    expect(creators).toHaveLength(1);
    expect(await usersWithEmail(email)).toEqual([{ role: "admin" }]);
    const password = /store it now\): (\S+)/.exec(creators[0]?.stdout ?? "")?.[1] ?? "";
    expect((await reconcileAs(await login(email, password))).status).toBe(200);
  });

  it("will not turn an existing non-admin account into an admin by 'create'", async () => {
    const fan = await register();
    const r = await admin(["create", "--email", fan.email, "--name", "Ops"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`already exists (role user): promote it with \`npm run admin -- promote ${fan.email}\``);
    expect(await usersWithEmail(fan.email)).toEqual([{ role: "user" }]);
  });
});

describe("npm run kafka:topics", () => {
  it("creates the pipeline's topics on KAFKA_BROKERS with the cluster's replication default, and is safe to rerun", async () => {
    const r = await npmRun(["kafka:topics"], { env: { KAFKA_BROKERS } });
    expect(r, r.stderr).toMatchObject({ code: 0 });
    for (const t of TOPICS) expect(r.stdout).toContain(`${t.topic}: ${t.numPartitions} partitions`);
    const kafkaAdmin = new Kafka({ clientId: "ops-test", brokers: KAFKA_BROKERS.split(","), logLevel: logLevel.NOTHING }).admin();
    await kafkaAdmin.connect();
    try {
      const meta = await kafkaAdmin.fetchTopicMetadata({ topics: TOPICS.map((t) => t.topic) });
      expect(meta.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(TOPICS.map((t) => [t.topic, t.numPartitions]).sort());
      // A topic that does not exist yet, created the way the command creates them (-1: the cluster's default).
      const fresh = `ops-test-${Date.now()}`;
      await createTopics(KAFKA_BROKERS, [{ topic: fresh, numPartitions: 2 }], { replicationFactor: -1 });
      const created = await kafkaAdmin.fetchTopicMetadata({ topics: [fresh] });
      expect(created.topics[0]?.partitions).toHaveLength(2);
      await kafkaAdmin.deleteTopics({ topics: [fresh] });
    } finally {
      await kafkaAdmin.disconnect();
    }
    const missing = await npmRun(["kafka:topics"], { env: { KAFKA_BROKERS: undefined } });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("KAFKA_BROKERS is not set");
  });
});
