import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { assessHealth, busCheck, type HealthChecks } from "../../src/domain/health";
import { generatePrivateJwk, loadKeys, signAccessToken } from "../../src/domain/tokens";
import { environment } from "../../src/config";
import type { Env } from "../../src/env";
import { paymentProvider, paymentSetup } from "../../src/payments";
import { Problem } from "../../src/problem";

// The whole app in workerd with its real bindings, under the vars of other environments: the
// running test Workers are development and staging (with a Stripe key); these are the
// deployments a misconfiguration produces.
async function call(vars: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`https://tickets.example${path}`, init), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, unknown> };
}

const noKey = { STRIPE_SECRET_KEY: undefined };

describe("no payment simulator outside development", () => {
  it("a missing Stripe key in production or staging closes bookings with 503 payment_provider_missing", async () => {
    const jwk = await generatePrivateJwk();
    const token = await signAccessToken(await loadKeys(jwk), { userId: crypto.randomUUID(), email: "fan@example.com", role: "user" }, 300);
    for (const ENVIRONMENT of ["production", "staging", undefined, "Development"]) {
      const r = await call({ ...noKey, ENVIRONMENT, JWT_PRIVATE_JWK: jwk }, "/api/bookings", {
        method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ event_id: crypto.randomUUID(), seat_ids: ["A-1-1"] }),
      });
      expect(r.status).toBe(503);
      expect(r.type).toContain("application/problem+json");
      expect(r.body).toMatchObject({ code: "payment_provider_missing", status: 503 });
    }
  });

  it("the simulator's complete endpoint cannot confirm a payment outside development", async () => {
    const sim = env.PAYMENT_SIMULATOR.get(env.PAYMENT_SIMULATOR.idFromName("simulator"));
    const intent = await sim.create({ bookingId: crypto.randomUUID(), eventId: crypto.randomUUID(), userId: crypto.randomUUID(), amount: 150000, currency: "KRW" }, "https://tickets.example/api/payment/webhook");
    const complete = (ENVIRONMENT: string) => call({ ...noKey, ENVIRONMENT }, `/api/payment/simulator/${intent.id}/complete`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_secret: intent.clientSecret, deliver_webhook: false }),
    });
    for (const e of ["production", "staging"]) expect((await complete(e)).status).toBe(404);
    expect((await sim.retrieve(intent.id))?.status).toBe("requires_payment_method");
    expect((await call({ ...noKey, ENVIRONMENT: "production" }, `/checkout/${intent.id}?client_secret=${intent.clientSecret ?? ""}`)).status).toBe(404);
    // In development the same call is the simulator working as designed.
    expect((await complete("development")).status).toBe(202);
    expect((await sim.retrieve(intent.id))?.status).toBe("succeeded");
  });

  it("/health names the provider, and is 503 naming payments when there is none", async () => {
    const prod = await call({ ...noKey, ENVIRONMENT: "production" }, "/health");
    expect(prod.status).toBe(503);
    expect(prod.body.down).toContain("payments");
    expect(prod.body.checks).toMatchObject({ payments: "missing", rate_limit_store: "workers_ratelimit", revocation_store: "durable_object" });
    const stripe = await call({ STRIPE_SECRET_KEY: "sk_test_x", ENVIRONMENT: "production" }, "/health");
    expect(stripe.body.checks).toMatchObject({ payments: "stripe" });
    expect(stripe.body.down).not.toContain("payments");
    const dev = await call({ ...noKey, ENVIRONMENT: "development" }, "/health");
    expect(dev.body.checks).toMatchObject({ payments: "simulator" });
    // No database here: the reason is a short code, never the driver's message.
    const checks = prod.body.checks as { postgres: string; signing_key: string; bus: { status: string } };
    expect(checks.postgres).toMatch(/^(timeout|unreachable|error)$/);
    expect(checks.bus.status).toBe("unknown");
    for (const v of [checks.postgres, checks.signing_key, checks.bus.status]) expect(v).toMatch(/^[a-z_]+$/);
  });

  it("paymentProvider refuses to hand out the simulator outside development", () => {
    expect(paymentSetup({ ENVIRONMENT: "production" })).toBe("missing");
    expect(paymentSetup({ ENVIRONMENT: "development" })).toBe("simulator");
    expect(paymentSetup({ ENVIRONMENT: "staging", STRIPE_SECRET_KEY: "sk_live_x" })).toBe("stripe");
    expect(() => paymentProvider({ ...env, ...noKey, ENVIRONMENT: "production" })).toThrow(Problem);
    expect(paymentProvider({ ...env, ...noKey, ENVIRONMENT: "development" }).name).toBe("simulator");
  });

  it("an unset or unknown ENVIRONMENT is production", () => {
    expect(environment({})).toBe("production");
    expect(environment({ ENVIRONMENT: "dev" })).toBe("production");
    expect(environment({ ENVIRONMENT: "staging" })).toBe("staging");
    expect(environment({ ENVIRONMENT: "development" })).toBe("development");
  });
});

describe("health assessment (pure)", () => {
  const ok: HealthChecks = {
    postgres: "ok", signing_key: "ok", payments: "stripe", rate_limit_store: "workers_ratelimit", revocation_store: "upstash", bus: busCheck("kafka", { pending: 0, oldestAgeSeconds: 0 }, 60),
  };
  it("is healthy when all is well, degraded (not down) when the bus lags, unhealthy naming what is down", () => {
    expect(assessHealth(ok, false)).toEqual({ status: "healthy", checks: ok });
    const lagging = { ...ok, bus: busCheck("kafka", { pending: 12, oldestAgeSeconds: 61 }, 60) };
    expect(lagging.bus).toEqual({ mode: "kafka", status: "lagging", pending: 12, oldest_unpublished_age_seconds: 61 });
    expect(assessHealth(lagging, false)).toMatchObject({ status: "degraded", degraded: ["bus"] });
    expect(busCheck("kafka", { pending: 3, oldestAgeSeconds: 59.6 }, 60).status).toBe("ok");
    expect(assessHealth({ ...ok, postgres: "timeout", bus: busCheck("kafka", null, 60) }, false)).toMatchObject({ status: "unhealthy", down: ["postgres"] });
    expect(assessHealth({ ...ok, payments: "missing" }, true)).toMatchObject({ status: "unhealthy", down: ["payments", "rate_limit_store"] });
  });
});
