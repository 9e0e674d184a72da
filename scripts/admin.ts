/**
 * `npm run admin -- promote <email>`: gives an existing account the admin role.
 * `npm run admin -- create --email <email> --name <name> [--password-stdin]`: creates an admin
 * account; the password is read from standard input with --password-stdin, otherwise generated
 * and printed once.
 *
 * Works against DATABASE_URL (the same database the Worker uses). Both commands are idempotent:
 * asking for what is already so changes nothing and exits 0. Exit codes: 0 done or already so,
 * 1 refused (no such account, an account of another role, invalid input), 2 usage, 3 the
 * database cannot be reached. Tokens issued before a promotion carry the old role until the
 * user logs in again or refreshes.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { and, eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { users } from "../src/db/schema";
import { hashPassword } from "../src/domain/password";
import { closeSharedProxy, openNodeDb } from "../workers/db";

const USAGE = `usage:
  npm run admin -- promote <email>
  npm run admin -- create --email <email> --name <name> [--password-stdin]`;
const CONNECT_TIMEOUT_MS = 15_000;

// The same limits as POST /api/auth/register.
const emailSchema = z.email("must be an email address").max(254).transform((e) => e.toLowerCase());
const nameSchema = z.string().trim().min(1, "must not be empty").max(100);
const passwordSchema = z.string().min(10, "must be at least 10 characters").max(128, "must be at most 128 characters");

class Exit extends Error {
  constructor(readonly code: number, message: string) { super(message); }
}

type Db = Awaited<ReturnType<typeof openNodeDb>>["db"];

function valid<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Exit(1, `${what} ${r.error.issues[0]?.message ?? "is not valid"}`);
  return r.data;
}

async function promote(db: Db, rawEmail: string): Promise<string> {
  const email = valid(emailSchema, rawEmail, "email");
  const [found] = await db.select({ role: users.role }).from(users).where(eq(users.email, email));
  if (!found) {
    throw new Exit(1, `no account with email ${email}: register it first (POST /api/auth/register), or run \`npm run admin -- create --email ${email} --name …\``);
  }
  // The role test in the WHERE makes concurrent promotions report one change, not several.
  const changed = await db.update(users).set({ role: "admin", updatedAt: new Date() })
    .where(and(eq(users.email, email), ne(users.role, "admin"))).returning({ userId: users.userId });
  if (!changed.length) return `${email} is already an admin; nothing changed`;
  return `${email} is now an admin (was ${found.role}). Tokens issued before carry the old role: log in again to act as admin.`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

async function create(db: Db, opts: { email?: string; name?: string; passwordStdin: boolean }): Promise<string> {
  if (!opts.email || !opts.name) throw new Exit(2, `create needs --email and --name\n${USAGE}`);
  const email = valid(emailSchema, opts.email, "email");
  const name = valid(nameSchema, opts.name, "name");
  const password = opts.passwordStdin ? valid(passwordSchema, await readStdin(), "password (from stdin)") : randomBytes(18).toString("base64url");
  const [created] = await db.insert(users).values({ email, name, passwordHash: await hashPassword(password), role: "admin" })
    .onConflictDoNothing().returning({ userId: users.userId });
  if (created) {
    return opts.passwordStdin
      ? `created admin ${email}`
      : `created admin ${email}\npassword (shown once; store it now): ${password}`;
  }
  const [existing] = await db.select({ role: users.role }).from(users).where(eq(users.email, email));
  if (existing?.role === "admin") return `${email} already exists and is an admin; nothing changed (its password is unchanged)`;
  throw new Exit(1, `an account with email ${email} already exists (role ${existing?.role ?? "unknown"}): promote it with \`npm run admin -- promote ${email}\``);
}

/** Opens the database and proves it answers, so a wrong URL fails with one clear line instead of a hang. */
async function connect(databaseUrl: string) {
  let where = "DATABASE_URL";
  try {
    const u = new URL(databaseUrl);
    where = `${u.host}${u.pathname}`; // never the password
  } catch {
    throw new Exit(2, "DATABASE_URL is not a URL (postgres://user:password@host/db)");
  }
  const handle = await openNodeDb(databaseUrl, 1);
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS); });
    await Promise.race([handle.db.execute(sql`select 1`), timeout]).finally(() => clearTimeout(timer));
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw new Exit(3, `cannot connect to the database at ${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return handle;
}

async function main(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { email: { type: "string" }, name: { type: "string" }, "password-stdin": { type: "boolean", default: false } },
  });
  const [command, ...rest] = positionals;
  if (command !== "promote" && command !== "create") throw new Exit(2, USAGE);
  if (command === "promote" && rest.length !== 1) throw new Exit(2, `promote takes one email\n${USAGE}`);
  if (command === "create" && rest.length) throw new Exit(2, `create takes --email and --name, not ${rest.join(" ")}\n${USAGE}`);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Exit(2, "DATABASE_URL is not set: point it at the database the Worker uses");
  const { db, close } = await connect(databaseUrl);
  try {
    return command === "promote"
      ? await promote(db, rest[0] ?? "")
      : await create(db, { email: values.email, name: values.name, passwordStdin: values["password-stdin"] });
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).then(
  (message) => { console.log(message); return 0; },
  (e: unknown) => {
    if (e instanceof Exit) console.error(e.message);
    else if (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS")) { console.error(`${e.message}\n${USAGE}`); return 2; }
    else console.error("admin failed:", e instanceof Error ? e.message : e);
    return e instanceof Exit ? e.code : 1;
  },
).then(async (code) => {
  await closeSharedProxy();
  process.exit(code);
});
