/**
 * The ticket formats' costs in Node, with the same src/domain/tickets code the Worker and the gate
 * app run (WebCrypto via globalThis.crypto): verify time of one code (p50/p99 over CODES codes,
 * after a warm-up), issue and code-making time, code length, manifest bytes for a 50,000-ticket
 * event, delta bytes for 100 revocations. Goals (issue 11): verify p99 <= 2 ms, manifest <= 1 MB,
 * delta <= 4 KB. Part of `npm run bench` (main.ts); alone: `npx tsx scripts/bench/tickets.ts`
 * prints the JSON. Settings: TICKET_BENCH_CODES (default 5000), TICKET_BENCH_MANIFEST_TICKETS (default 50000).
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { makeTicketCode, MAX_CODE_CHARS } from "../../src/domain/tickets/code";
import { generateHolderSecret, holderRef, signTicketCore } from "../../src/domain/tickets/issue";
import { compressDeviceKey, generateDeviceKey, generateEventSigningKey, importIssuerKeys, importSigner } from "../../src/domain/tickets/keys";
import { buildDelta, buildManifest } from "../../src/domain/tickets/manifest";
import { revokeTicket, supersede } from "../../src/domain/tickets/revocations";
import { verifyTicketCode } from "../../src/domain/tickets/verify";
import { round, summarizeLatencies } from "../lib/bench-stats";

export interface TicketFormatSettings { codes: number; manifestTickets: number }
export const ticketFormatSettings = (env: NodeJS.ProcessEnv): TicketFormatSettings => ({
  codes: Number(env.TICKET_BENCH_CODES ?? 5000), manifestTickets: Number(env.TICKET_BENCH_MANIFEST_TICKETS ?? 50_000),
});

async function timed<T>(samples: number[], f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const out = await f();
  samples.push(performance.now() - t);
  return out;
}

export type TicketFormatResult = Awaited<ReturnType<typeof measureTicketFormats>>;

export async function measureTicketFormats({ codes: CODES, manifestTickets: MANIFEST_TICKETS }: TicketFormatSettings) {
  const TICKETS = Math.max(1, Math.ceil(CODES / 10));
  const WARMUP = Math.min(500, CODES);
  const now = Date.now();
  const eventId = crypto.randomUUID();
  const key = await generateEventSigningKey();
  const signer = await importSigner(key.privateJwk);
  const keys = await importIssuerKeys([key.publicJwk]);
  const secret = generateHolderSecret();
  const issueMs: number[] = [];
  const codeMs: number[] = [];
  const verifyMs: number[] = [];

  const tickets = [];
  for (let i = 0; i < TICKETS; i++) {
    const device = await generateDeviceKey();
    const deviceKey = await compressDeviceKey(new Uint8Array(await crypto.subtle.exportKey("raw", device.publicKey)));
    if (!deviceKey) throw new Error("device key refused");
    const fields = {
      eventId, ticketId: crypto.randomUUID(), version: 1, holderRef: await holderRef(secret, eventId, crypto.randomUUID()),
      validFrom: Math.floor(now / 1000) - 3600, validUntil: Math.floor(now / 1000) + 3600, deviceKey, label: `A구역 ${1 + (i % 40)}열 ${1 + (i % 30)}번`,
    };
    tickets.push({ device, signedCore: await timed(issueMs, () => signTicketCore(fields, signer)) });
  }
  const codes: string[] = [];
  for (let i = 0; i < CODES + WARMUP; i++) {
    const t = tickets[i % tickets.length];
    if (!t) throw new Error("no ticket");
    codes.push(await timed(codeMs, () => makeTicketCode(t.signedCore, t.device.privateKey, now - (i % 20) * 1000)));
  }
  const options = { now, keys, eventId, revoked: () => false, windowSeconds: 30, skewSeconds: 10 };
  let refused = 0;
  // CPU time as well as wall time: on a busy machine the wall-clock tail is mostly waiting for a core.
  let cpu = process.cpuUsage();
  for (const [i, code] of codes.entries()) {
    if (i === WARMUP) cpu = process.cpuUsage();
    const check = await timed(i < WARMUP ? [] : verifyMs, () => verifyTicketCode(code, options));
    if (!check.ok) refused++;
  }
  const cpuMs = process.cpuUsage(cpu);
  if (refused) throw new Error(`${refused} valid codes were refused`);

  const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
  const manifest = JSON.stringify(buildManifest({
    eventId, generatedAt: new Date(now), cursor: 1000, keys: [key.publicJwk], ticketIds: ids(MANIFEST_TICKETS), revocations: ids(1000).map(revokeTicket),
  }));
  const delta = JSON.stringify(buildDelta({ eventId, from: 1000, to: 1100, revocations: ids(100).map((id) => supersede(id, 2)), added: [] }));
  const lengths = codes.map((c) => c.length);

  return {
    node: process.version, cpus: os.cpus().length, load_average_1m: os.loadavg()[0],
    verify_ms: { codes: CODES, warmup: WARMUP, ...summarizeLatencies(verifyMs), cpu_mean: round((cpuMs.user + cpuMs.system) / 1000 / CODES, 3), goal_p99: 2 },
    issue_core_ms: { cores: issueMs.length, ...summarizeLatencies(issueMs) },
    make_code_ms: { codes: codeMs.length, ...summarizeLatencies(codeMs) },
    code_chars: { min: Math.min(...lengths), max: Math.max(...lengths), format_max: MAX_CODE_CHARS },
    manifest_bytes: { tickets: MANIFEST_TICKETS, revocations: 1000, bytes: manifest.length, goal: 1_000_000 },
    delta_bytes: { revocations: 100, bytes: delta.length, goal: 4096 },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  measureTicketFormats(ticketFormatSettings(process.env))
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
