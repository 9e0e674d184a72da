/**
 * A small Upstash-compatible REST front for a real redis-server, so the production code path
 * (@upstash/redis over HTTP) runs against real Redis in tests and locally.
 * Speaks the parts of Upstash's protocol the SDK uses: POST / with one command, /pipeline and
 * /multi-exec with several, Bearer auth, and base64 result encoding when asked.
 */
import http from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createHash } from "node:crypto";
import { Redis } from "ioredis";

/**
 * Upstash accepts script shebang flags that open-source Redis refuses (the rate limiter's scripts
 * declare `allow-key-locking`). The front drops unknown flags and maps the SHA the client
 * computed for the original script to the SHA of the script Redis actually holds.
 */
const REDIS_FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);
const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
function compatibleScript(script: string): string {
  const m = /^#!lua(.*)$/m.exec(script);
  if (!m || script.indexOf(m[0]) !== 0) return script;
  const flags = /flags=([\w,-]+)/.exec(m[1] ?? "")?.[1]?.split(",").filter((f) => REDIS_FLAGS.has(f)) ?? [];
  return script.replace(m[0], flags.length ? `#!lua flags=${flags.join(",")}` : "#!lua");
}

type Reply = string | number | null | Reply[];

const encode = (v: unknown, b64: boolean): Reply => {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  if (Array.isArray(v)) return v.map((x) => encode(x, b64));
  const s = Buffer.isBuffer(v) ? v.toString("utf8") : String(v);
  return b64 ? Buffer.from(s, "utf8").toString("base64") : s;
};

export async function startUpstashRest(opts: { port: number; redisUrl: string; token: string }) {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
  const shaMap = new Map<string, string>();
  const run = async (cmd: unknown[]): Promise<{ result?: Reply; error?: string }> => {
    const [name, ...args] = cmd.map(String);
    const upper = name?.toUpperCase();
    if (upper === "EVAL" || (upper === "SCRIPT" && args[0]?.toUpperCase() === "LOAD")) {
      const i = upper === "EVAL" ? 0 : 1;
      const original = args[i]!;
      const fixed = compatibleScript(original);
      shaMap.set(sha1(original), sha1(fixed));
      args[i] = fixed;
      if (upper === "SCRIPT") {
        try {
          await redis.call("SCRIPT", "LOAD", fixed);
          return { result: sha1(original) };
        } catch (e) {
          return { error: e instanceof Error ? e.message : String(e) };
        }
      }
    }
    if (upper === "EVALSHA" && shaMap.has(args[0]!)) args[0] = shaMap.get(args[0]!)!;
    try {
      return { result: (await redis.call(name!, ...args)) as Reply };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${opts.token}`) return reply(401, { error: "Unauthorized" });
      const b64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return reply(400, { error: "ERR body is not JSON" });
      }
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/pipeline" || path === "/multi-exec") {
        const cmds = body as unknown[][];
        const out = [];
        for (const c of cmds) {
          const r = await run(c);
          out.push(r.error ? { error: r.error } : { result: encode(r.result, b64) });
        }
        return reply(200, out);
      }
      const r = await run(body as unknown[]);
      return r.error ? reply(400, { error: r.error }) : reply(200, { result: encode(r.result, b64) });
    });
  });
  // A port taken is an error to report (and clean up after), not an uncaught 'error' event; port 0 picks a free one.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : opts.port;
  return {
    url: `http://127.0.0.1:${port}`,
    redis,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}

/** redis-server from the machine (Debian's redis-server package; .ci/run installs it). */
export async function startRedisServer(port: number, dir: string): Promise<{ url: string; child: ChildProcess; stop(): void }> {
  const bin = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => fs.existsSync(p));
  if (!bin) throw new Error("redis-server not found: install Debian's redis-server package");
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {}); // refused until the server is up: expected while probing
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error("redis-server did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  probe.disconnect();
  return { url: `redis://127.0.0.1:${port}`, child, stop: () => child.kill("SIGTERM") };
}
