import { eq } from "drizzle-orm";
import fc from "fast-check";
import { SignJWT } from "jose";
import WebSocket from "ws";
import { beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { generatePrivateJwk, loadKeys, signAccessToken } from "../../src/domain/tokens";
import { api, eventBody, eventually, inDays, publishedEvent, register, type Session } from "../support/api";
import { appRoutes } from "../support/app-routes";
import { testDb } from "../support/db";
import { BASE_URL, JWT_PRIVATE_JWK } from "../support/env";
import { contractAt, honoPath, operationsOf, type DocumentedOperation } from "../support/contract";
import { encodeQuery, fuzzerFor, type FuzzRequest, type FuzzWorld } from "../support/fuzz-routes";
import { hold } from "../support/saga";
import { buyTickets } from "../support/tickets";

// Every operation of the API, fed generated requests over HTTP: valid, one mutation from valid,
// and hostile, generated from the OpenAPI document the Worker serves. Whatever comes in, the
// answer is never a 5xx, and every 4xx is a problem document whose status matches the response's.
// Bounded: FUZZ_RUNS requests per route, from FUZZ_SEED (random unless set; a failure prints it,
// so the run can be repeated).
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

interface Answer { status: number; contentType: string; text: string }

const contract = await contractAt(BASE_URL);
const documented = new Map<string, DocumentedOperation>(operationsOf(contract.document).map((d) => [`${d.method} ${honoPath(d.template)}`, d]));

async function sendHttp(req: FuzzRequest): Promise<Answer> {
  const res = await fetch(`${BASE_URL}${req.path}${encodeQuery(req.query)}`, {
    method: req.method, headers: req.headers, body: req.body, redirect: "manual", signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** A WebSocket upgrade: 101 when accepted, otherwise the refusal's status and body. */
function sendWebSocket(req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${BASE_URL.replace(/^http/, "ws")}${req.path}${encodeQuery(req.query)}`, { headers: req.headers, handshakeTimeout: 30_000 });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101, contentType: "", text: "" });
    });
    ws.on("unexpected-response", (_request, res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), text }));
    });
    ws.on("error", reject);
  });
}

const describeRequest = (req: FuzzRequest) => JSON.stringify({ ...req, body: typeof req.body === "string" ? req.body.slice(0, 400) : req.body && `<${req.body.byteLength} bytes>` }).slice(0, 1500);

/** Never a 5xx; every 4xx is application/problem+json with type, title, code, and the response's status. */
function check(req: FuzzRequest, a: Answer): void {
  const where = `${a.status} for ${describeRequest(req)}\n→ ${a.text.slice(0, 500)}`;
  if (a.status >= 500) throw new Error(`server error ${where}`);
  if (a.status < 400) return;
  if (!a.contentType.startsWith("application/problem+json")) throw new Error(`not problem+json (${a.contentType}): ${where}`);
  let body: unknown;
  try {
    body = JSON.parse(a.text);
  } catch {
    throw new Error(`problem body is not JSON: ${where}`);
  }
  const p = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  if (p.status !== a.status || typeof p.code !== "string" || typeof p.type !== "string" || typeof p.title !== "string") {
    throw new Error(`malformed problem document: ${where}`);
  }
}

let fan: Session;
let organizer: Session;
let world: FuzzWorld;

/** A published event with a hold on it, so ids in generated requests resolve to live rows. */
async function freshSale(): Promise<{ eventId: string; bookingId: string; intentId: string; clientSecret: string }> {
  const eventId = await publishedEvent(organizer);
  const b = await hold(fan, eventId, { seat_ids: ["A-1-1"] });
  return { eventId, bookingId: b.booking_id, intentId: b.payment.payment_intent_id, clientSecret: b.payment.client_secret };
}

beforeAll(async () => {
  fan = await register();
  organizer = await register("organizer");
  const keys = await loadKeys(JWT_PRIVATE_JWK);
  // Admins are made in the database, not through the API.
  const staff = await register();
  const { db, close } = await testDb();
  await db.update(users).set({ role: "admin" }).where(eq(users.userId, staff.userId));
  await close();
  const admin = await signAccessToken(keys, { userId: staff.userId, email: staff.email, role: "admin" }, 900);
  const expired = await new SignJWT({ email: fan.email, role: "user" }).setProtectedHeader({ alg: "ES256", kid: keys.kid, typ: "JWT" })
    .setSubject(fan.userId).setIssuer("ticketing-pro").setAudience("ticketing-pro-api").setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(keys.privateKey);
  const foreign = await signAccessToken(await loadKeys(await generatePrivateJwk()), { userId: fan.userId, email: fan.email, role: "admin" }, 900);
  // A second session for the refresh-token pool: the fuzzer may log it out without signing the fan out.
  const login = await api<{ refresh_token: string }>("/api/auth/login", { body: { email: fan.email, password: "correct horse battery" } });
  const draft = await api<{ event_id: string }>("/api/events", { token: organizer.access, body: eventBody() });
  const sale = await freshSale();
  // A gate account of the sale: its token for the gate routes (and refused elsewhere), its id for the gate-account routes.
  const gate = await api<{ account_id: string; login: string; password: string }>(`/api/events/${sale.eventId}/gate-accounts`, { token: organizer.access, body: { label: "fuzz gate" } });
  expect(gate.status).toBe(201);
  const gateLogin = await api<{ access_token: string }>("/api/auth/login", { body: { email: gate.body.login, password: gate.body.password } });
  expect(gateLogin.status).toBe(200);
  // A sale behind a waiting room, and the fan's place in it and admission.
  const queued = await publishedEvent(organizer);
  const settings = { enabled: true, on_sale_at: new Date(Date.now() - 60_000).toISOString(), admit_per_minute: 6000, max_active: 1000, session_minutes: 10 };
  expect((await api(`/api/events/${queued}/queue`, { method: "PUT", token: organizer.access, body: settings })).status).toBe(200);
  const joined = await api<{ queue_token: string }>(`/api/queue/${queued}/join`, { method: "POST", token: fan.access });
  const admission = await eventually(async () => {
    const s = await api<{ state: string; access_token?: string }>(`/api/queue/${queued}/status`, { token: joined.body.queue_token });
    return s.body.access_token;
  }, 30_000, "admission to the queued sale");
  // Paid tickets of the fan, and an account to give them to: the ticket routes (binding, transfer) act on real rows.
  const { tickets: owned } = await buyTickets(fan, sale.eventId, 4, "FLOOR");
  const recipient = await register();
  world = {
    tokens: { fan: fan.access, organizer: organizer.access, admin, expired, foreign, gate: gateLogin.body.access_token },
    eventIds: [sale.eventId, draft.body.event_id, queued],
    gateAccountIds: [gate.body.account_id],
    bookingIds: [sale.bookingId],
    ticketIds: owned.map((t) => t.ticket_id),
    intentIds: [sale.intentId],
    clientSecrets: [sale.clientSecret],
    queueTokens: [joined.body.queue_token],
    admissionTokens: [admission],
    pools: {
      uuids: [sale.eventId, draft.body.event_id, queued, sale.bookingId, fan.userId, gate.body.account_id],
      strings: {
        client_secret: [sale.clientSecret], refresh_token: [login.body.refresh_token], email: [fan.email, recipient.email], password: ["correct horse battery"],
        area: ["FLOOR"], seat_ids: ["A-1-2", "A-1-3", "A-2-1", "A-2-10", "B-1-1"], start_date: [inDays(30)], on_sale_at: [new Date().toISOString()],
        access_token: [organizer.access, fan.access],
      },
    },
  };
});

describe("every route under generated input", () => {
  it("has a generator for every documented operation, and the document has every route the app serves", async () => {
    const missing = [...documented].flatMap(([key, d]) => {
      try {
        fuzzerFor(contract.document, d);
        return [];
      } catch (e) {
        return [`${key}: ${e instanceof Error ? e.message : String(e)}`];
      }
    });
    expect(missing).toEqual([]);
    expect([...documented.keys()].sort()).toEqual(await appRoutes());
  });

  it.each([...documented.keys()])("%s: never a 5xx, every 4xx a problem document", async (key) => {
    // A new sale per route: an earlier route may have cancelled the last one.
    const sale = await freshSale();
    const w: FuzzWorld = {
      ...world, eventIds: [sale.eventId, ...world.eventIds], bookingIds: [sale.bookingId, ...world.bookingIds], intentIds: [sale.intentId, ...world.intentIds],
      pools: { ...world.pools, uuids: [sale.eventId, sale.bookingId, ...world.pools.uuids], strings: { ...world.pools.strings, client_secret: [sale.clientSecret, ...world.clientSecrets] } },
    };
    const operation = documented.get(key);
    if (!operation) throw new Error(`${key} is not documented`);
    const fuzzer = fuzzerFor(contract.document, operation);
    const property = fc.asyncProperty(fuzzer(w), async (req) => check(req, await (req.websocket ? sendWebSocket(req) : sendHttp(req))));
    try {
      await fc.assert(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nRepeat with: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npm test -- fuzz`);
    }
    // And the server still answers.
    expect((await api("/health")).status).toBe(200);
  });
});
