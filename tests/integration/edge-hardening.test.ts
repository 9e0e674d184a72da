import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { DEVELOPMENT_VARS } from "../../scripts/lib/dev-vars";
import { outbox } from "../../src/db/schema";
import { api, publishedEvent, register } from "../support/api";
import { testDb } from "../support/db";
import { BASE_URL, STRIPE_BASE_URL } from "../support/env";
import { openCheckout } from "../support/saga";
import { z } from "zod";

// Two Workers run: the simulator-mode one as development (DEVELOPMENT_VARS) and the Stripe-mode
// one as staging (a deployed environment, with a real provider key).
const DEV_ORIGIN = DEVELOPMENT_VARS.CORS_ORIGINS.split(",")[0]!;
const STAGING_ORIGIN = "https://staging.ticketing.pro";
function corsHeaders(h: Headers): string[] {
  const names: string[] = [];
  h.forEach((_v, k) => { if (k.startsWith("access-control-")) names.push(k); });
  return names;
}

type Health = {
  status: string; down?: string[]; degraded?: string[];
  checks: { postgres: string; signing_key: string; payments: string; rate_limit_store: string; revocation_store: string; bus: { mode: string; status: string; pending: number | null; oldest_unpublished_age_seconds: number | null } };
};

describe("deploy configuration", () => {
  it("wrangler.toml's top-level vars (what a bare `wrangler deploy` publishes) are production's", () => {
    for (const env of [undefined, "staging", "production"] as const) {
      const read = unstable_readConfig({ config: "wrangler.toml", ...(env ? { env } : {}) });
      const vars = read.vars as Record<string, string>;
      expect(vars.ENVIRONMENT).toBe(env ?? "production");
      expect(vars.MAILBOX_PAGE).toBe("off");
      expect(vars.CORS_ORIGINS ?? "").not.toMatch(/localhost|127\.0\.0\.1/);
      expect(vars.PUBLIC_BASE_URL ?? "").not.toMatch(/localhost|127\.0\.0\.1/);
      // Every rule's rate-limiting binding, with the seed's limits, in every environment (environments do not inherit them).
      const bindings = z.array(z.object({ name: z.string(), simple: z.object({ limit: z.number(), period: z.number() }) })).parse(read.ratelimits);
      expect(Object.fromEntries(bindings.map((r) => [r.name, r.simple.limit]))).toEqual({ RL_LOGIN: 10, RL_REGISTER: 5, RL_BOOKINGS: 20, RL_EVENT_READS: 100, RL_SEARCH: 120, RL_HEALTH: 60, RL_EXPORTS: 5, RL_TRANSFERS: 10, RL_GATE_ACCOUNTS: 20 });
      expect(new Set(bindings.map((r) => r.simple.period))).toEqual(new Set([60]));
    }
  });
});

describe("CORS", () => {
  it("answers an allowed origin's preflight with 204 before auth, and grants it", async () => {
    const r = await fetch(`${BASE_URL}/api/bookings`, {
      method: "OPTIONS",
      headers: { origin: DEV_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, idempotency-key" },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-origin")).toBe(DEV_ORIGIN);
    expect(r.headers.get("access-control-allow-methods")).toContain("POST");
    expect(r.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(r.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("idempotency-key");
    const get = await fetch(`${BASE_URL}/api/events?page_size=1`, { headers: { origin: DEV_ORIGIN } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBe(DEV_ORIGIN);
    expect(get.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("retry-after");
  });

  it("gives other origins no CORS headers at all, preflight or not", async () => {
    for (const [base, origin] of [[BASE_URL, "https://evil.example"], [BASE_URL, `${DEV_ORIGIN}.evil.example`], [STRIPE_BASE_URL, DEV_ORIGIN]] as const) {
      const pre = await fetch(`${base}/api/auth/me`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
      expect(pre.status).toBe(204);
      expect(corsHeaders(pre.headers)).toEqual([]);
      const get = await fetch(`${base}/api/events?page_size=1`, { headers: { origin } });
      expect(get.status).toBe(200);
      expect(corsHeaders(get.headers)).toEqual([]);
      expect(get.headers.get("vary")).toContain("Origin");
    }
  });

  it("allows each environment its own origins", async () => {
    const pre = await fetch(`${STRIPE_BASE_URL}/api/bookings`, { method: "OPTIONS", headers: { origin: STAGING_ORIGIN, "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(STAGING_ORIGIN);
  });
});

describe("security headers", () => {
  it("the checkout page has a CSP that its scripts and styles satisfy (external or nonced), no framing, nosniff, no referrer; no HSTS in development", async () => {
    const organizer = await register("organizer");
    const fan = await register();
    const eventId = await publishedEvent(organizer);
    const b = await api<{ booking_id: string }>("/api/bookings", { token: fan.access, body: { event_id: eventId, seat_ids: ["A-1-1"] } });
    expect(b.status).toBe(201);
    const checkoutUrl = (await openCheckout(fan.access, b.body.booking_id)).checkout_url ?? "";
    const page = await fetch(new URL(checkoutUrl, BASE_URL));
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    // Every script and style is either external (same origin) or carries this response's nonce.
    const html = await page.text();
    const tags = [...html.matchAll(/<(script|style)\b([^>]*)>/g)];
    expect(tags.length).toBeGreaterThan(0);
    for (const [, , attrs] of tags) {
      const external = /\bsrc="\/[^"/]/.test(attrs ?? "");
      expect(external || (attrs ?? "").includes(`nonce="${nonce}"`), `tag attributes: ${attrs}`).toBe(true);
    }
    expect(html).toMatch(/<link rel="stylesheet" href="\/checkout\.css"|<style nonce=/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("strict-transport-security")).toBeNull();
    // A fresh nonce per response.
    const again = await fetch(new URL(checkoutUrl, BASE_URL));
    expect(again.headers.get("content-security-policy")).not.toBe(csp);
    const mail = await fetch(`${BASE_URL}/dev/mail`);
    expect(mail.status).toBe(200);
    expect(mail.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("outside development: HSTS everywhere, and no mailbox, checkout page or simulator", async () => {
    const health = await fetch(`${STRIPE_BASE_URL}/health`);
    expect(health.headers.get("strict-transport-security")).toMatch(/max-age=\d{7,}/);
    const err = await fetch(`${STRIPE_BASE_URL}/dev/mail`);
    expect(err.status).toBe(404);
    expect(err.headers.get("strict-transport-security")).toMatch(/max-age=/);
    expect(err.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await fetch(`${STRIPE_BASE_URL}/checkout/pi_x?client_secret=x`)).status).toBe(404);
    expect((await api("/api/payment/simulator/pi_x/complete", { base: STRIPE_BASE_URL, body: { client_secret: "x".repeat(12) } })).status).toBe(404);
  });
});

describe("/health", () => {
  it("names the payment provider, the rate-limit store and the bus, with short codes only", async () => {
    const dev = await api<Health>("/health");
    expect(dev.status).toBe(200);
    expect(dev.body.checks).toMatchObject({ postgres: "ok", signing_key: "ok", payments: "simulator", rate_limit_store: "workers_ratelimit", revocation_store: "durable_object", bus: { mode: "in_process" } });
    const staging = await api<Health>("/health", { base: STRIPE_BASE_URL });
    expect(staging.status).toBe(200);
    expect(staging.body.checks).toMatchObject({ postgres: "ok", payments: "stripe", rate_limit_store: "workers_ratelimit", revocation_store: "upstash", bus: { mode: "kafka" } });
    for (const h of [dev.body, staging.body]) {
      for (const v of [h.checks.postgres, h.checks.signing_key, h.checks.payments, h.checks.rate_limit_store, h.checks.revocation_store, h.checks.bus.status]) expect(v).toMatch(/^[a-z_]+$/);
    }
  });

  it("reports the outbox relay's lag: an hour-old unpublished row makes the bus degraded (still 200)", async () => {
    const { db, close } = await testDb();
    const messageId = crypto.randomUUID();
    try {
      // The relay works in seq order, so its lag is the age of the lowest unpublished seq: a
      // negative seq (never issued by the sequence) puts this probe at the head.
      await db.insert(outbox).values({
        seq: -Math.floor(Math.random() * 1e12) - 1, messageId, topic: "event-events", aggregateId: crypto.randomUUID(), eventType: "HealthProbe", envelope: { probe: true },
        createdAt: new Date(Date.now() - 3600_000),
      });
      const r = await api<Health>("/health");
      expect(r.status).toBe(200);
      expect(r.body.status).toBe("degraded");
      expect(r.body.degraded).toContain("bus");
      expect(r.body.checks.bus.status).toBe("lagging");
      expect(r.body.checks.bus.oldest_unpublished_age_seconds).toBeGreaterThanOrEqual(3590);
      expect(r.body.checks.bus.pending).toBeGreaterThanOrEqual(1);
    } finally {
      await db.delete(outbox).where(eq(outbox.messageId, messageId));
      await close();
    }
  });
});
