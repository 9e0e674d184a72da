/**
 * Why Postgres could not be used, in words an operator can act on: the server's own error
 * (`FATAL 28P01 password authentication failed …`) or the network's (`ECONNREFUSED
 * 127.0.0.1:5432`). Never drizzle's "Failed query" wrapper, whose text carries the query's
 * parameters, and never the URL's password.
 */
import dns from "node:dns/promises";
import net from "node:net";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** The error and its causes; a WebSocket ErrorEvent (from the driver's socket) leads to its `error`. */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  const next = (e: unknown): unknown => (e instanceof Error ? e.cause : typeof e === "object" && e !== null && "error" in e ? e.error : undefined);
  for (let e: unknown = err; e !== undefined && e !== null && out.length < 10; e = next(e)) out.push(e);
  return out;
}

const field = (e: unknown, name: string): string | undefined => {
  if (typeof e !== "object" || e === null || !(name in e)) return undefined;
  const v: unknown = Reflect.get(e, name);
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
};

/** The text of an error without drizzle's "\nparams: …" tail. */
const text = (e: unknown) => ((field(e, "message") ?? String(e)).split("\nparams:")[0] ?? "").trim();

/** host:port/database, as the driver dials it; no user or password. */
export function describeTarget(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
}

/**
 * Dials what the driver dials (the server for a loopback URL, behind the local WebSocket proxy;
 * the endpoint's HTTPS port otherwise, where Neon's driver goes) and returns the failure, if any.
 */
async function reachability(databaseUrl: string): Promise<string | undefined> {
  const u = new URL(databaseUrl);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = LOOPBACK.has(u.hostname) ? Number(u.port || 5432) : 443;
  try {
    await dns.lookup(host);
  } catch (e) {
    return `${field(e, "code") ?? "lookup failed"} ${host}`;
  }
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 5000 });
    const done = (why?: string) => { socket.destroy(); resolve(why); };
    socket.once("connect", () => done());
    socket.once("timeout", () => done(`ETIMEDOUT ${host}:${port}`));
    socket.once("error", (e) => done(`${field(e, "code") ?? e.message} ${host}:${port}`));
  });
}

export async function explainDbError(err: unknown, databaseUrl: string): Promise<string> {
  const target = describeTarget(databaseUrl);
  const causes = chain(err);
  // A server error has a severity and a five-character SQLSTATE (28P01, 3D000, 42601, …).
  const server = causes.find((e) => field(e, "severity") && /^[0-9A-Z]{5}$/.test(field(e, "code") ?? ""));
  if (server) return `PostgreSQL at ${target} answered: ${field(server, "severity")} ${field(server, "code")} ${text(server)}`;
  const system = causes.find((e) => /^E[A-Z]+$/.test(field(e, "code") ?? "") && field(e, "syscall"));
  if (system) {
    const address = field(system, "address");
    const where = address ? ` ${address}${field(system, "port") ? `:${field(system, "port")}` : ""}` : field(system, "hostname") ? ` ${field(system, "hostname")}` : "";
    return `cannot connect to PostgreSQL at ${target}: ${field(system, "code")}${where}`;
  }
  const deepest = text(causes[causes.length - 1]);
  // The driver reports a refused or dropped connection only as "Connection terminated …": dial it ourselves to say why.
  if (/connection|websocket|socket|timeout/i.test(deepest)) {
    const why = await reachability(databaseUrl);
    if (why) return `cannot connect to PostgreSQL at ${target}: ${why} (is the server running, and is DATABASE_URL right?)`;
    return `PostgreSQL at ${target} is reachable, but the connection failed: ${deepest}`;
  }
  return `${deepest} (PostgreSQL at ${target})`;
}
