import { describe, expect, it } from "vitest";
import { config, parseConfig, type ConfigVar, type ConfigVars } from "../../src/config";

/** Parses `vars`, collecting the names of the settings that were set but unusable. */
function parsed(vars: ConfigVars) {
  const ignored: ConfigVar[] = [];
  return { c: parseConfig(vars, (name) => ignored.push(name)), ignored };
}

describe("config: one typed reading of the vars", () => {
  it("gives the safe production defaults when nothing is set", () => {
    const { c, ignored } = parsed({});
    expect(c).toMatchObject({
      environment: "production", logLevel: "info", holdTtlSeconds: 600, maxSeatsPerBooking: 8, maxHeldSeatsPerAccount: 8,
      accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 14 * 86400, mailboxPage: false, busMode: "kafka", busLagDegradedSeconds: 60,
      pgWsProxy: undefined, stripeApiBase: undefined,
    });
    expect([...c.corsOrigins]).toEqual([]);
    expect(ignored).toEqual([]);
    // Empty strings (wrangler passes `VAR = ""`) are unset, not malformed.
    expect(parsed({ PG_WS_PROXY: "", CORS_ORIGINS: "", HOLD_TTL_SECONDS: "" })).toEqual({ c: parsed({}).c, ignored: [] });
  });

  it("reads well-formed values: integers, enums, on/off, CSV lists, URLs", () => {
    const { c, ignored } = parsed({
      ENVIRONMENT: "staging", LOG_LEVEL: "warn", HOLD_TTL_SECONDS: "120", MAX_SEATS_PER_BOOKING: "4", MAX_HELD_SEATS_PER_ACCOUNT: "12",
      MAILBOX_PAGE: "on", BUS_MODE: "in_process", BUS_LAG_DEGRADED_SECONDS: "30",
      CORS_ORIGINS: " https://a.example ,http://localhost:5173/, ", PUBLIC_BASE_URL: "https://tickets.example/", PG_WS_PROXY: "127.0.0.1:5480",
      STRIPE_API_BASE: "http://127.0.0.1:12111", STRIPE_PUBLISHABLE_KEY: "pk_test_51Abc",
    });
    expect(ignored).toEqual([]);
    expect(c.stripePublishableKey).toBe("pk_test_51Abc");
    expect(c).toMatchObject({
      environment: "staging", logLevel: "warn", holdTtlSeconds: 120, maxSeatsPerBooking: 4, maxHeldSeatsPerAccount: 12, mailboxPage: true,
      busMode: "in_process", busLagDegradedSeconds: 30, publicBaseUrl: "https://tickets.example", pgWsProxy: "127.0.0.1:5480", stripeApiBase: "http://127.0.0.1:12111",
    });
    expect([...c.corsOrigins]).toEqual(["https://a.example", "http://localhost:5173"]);
  });

  it("keeps the default, and names the var, for a malformed or out-of-bounds value", () => {
    const cases: [ConfigVar, string, keyof ReturnType<typeof parseConfig>][] = [
      ["HOLD_TTL_SECONDS", "0", "holdTtlSeconds"], ["HOLD_TTL_SECONDS", "-5", "holdTtlSeconds"], ["HOLD_TTL_SECONDS", "1e3", "holdTtlSeconds"],
      ["HOLD_TTL_SECONDS", "600s", "holdTtlSeconds"], ["HOLD_TTL_SECONDS", "86401", "holdTtlSeconds"], ["HOLD_TTL_SECONDS", " 600", "holdTtlSeconds"],
      ["MAX_SEATS_PER_BOOKING", "51", "maxSeatsPerBooking"], ["MAX_SEATS_PER_BOOKING", "4.5", "maxSeatsPerBooking"],
      ["MAX_HELD_SEATS_PER_ACCOUNT", "0", "maxHeldSeatsPerAccount"], ["REFRESH_TOKEN_TTL_SECONDS", "10", "refreshTokenTtlSeconds"],
      ["LOG_LEVEL", "verbose", "logLevel"], ["BUS_MODE", "rabbit", "busMode"], ["MAILBOX_PAGE", "yes", "mailboxPage"],
      ["ENVIRONMENT", "Development", "environment"], ["ENVIRONMENT", "dev", "environment"], ["PUBLIC_BASE_URL", "ftp://x.example", "publicBaseUrl"],
      ["PG_WS_PROXY", "localhost", "pgWsProxy"], ["STRIPE_API_BASE", "not a url", "stripeApiBase"], ["CORS_ORIGINS", "https://a.example,evil", "corsOrigins"],
      ["STRIPE_PUBLISHABLE_KEY", "sk_test_secret", "stripePublishableKey"], ["STRIPE_PUBLISHABLE_KEY", "pk_test_<script>", "stripePublishableKey"],
    ];
    const defaults = parseConfig({});
    for (const [name, value, key] of cases) {
      const { c, ignored } = parsed({ [name]: value });
      expect(ignored, `${name}=${value}`).toEqual([name]);
      expect(c[key], `${name}=${value}`).toEqual(defaults[key]);
    }
    // One bad var spoils nothing else.
    const { c, ignored } = parsed({ HOLD_TTL_SECONDS: "zero", MAX_SEATS_PER_BOOKING: "6" });
    expect(ignored).toEqual(["HOLD_TTL_SECONDS"]);
    expect(c).toMatchObject({ holdTtlSeconds: 600, maxSeatsPerBooking: 6 });
  });

  it("caps the access-token lifetime at 15 minutes and takes the bounds themselves", () => {
    expect(parsed({ ACCESS_TOKEN_TTL_SECONDS: "3600" }).c.accessTokenTtlSeconds).toBe(900);
    expect(parsed({ ACCESS_TOKEN_TTL_SECONDS: "60" }).c.accessTokenTtlSeconds).toBe(60);
    expect(parsed({ HOLD_TTL_SECONDS: "1" }).c.holdTtlSeconds).toBe(1);
    expect(parsed({ HOLD_TTL_SECONDS: "86400" }).c.holdTtlSeconds).toBe(86400);
    expect(parsed({ MAX_SEATS_PER_BOOKING: "50" }).c.maxSeatsPerBooking).toBe(50);
  });

  it("reads each env object once, and a new env (a redeploy) afresh", () => {
    const env = { HOLD_TTL_SECONDS: "120" };
    const first = config(env);
    expect(config(env)).toBe(first);
    expect(config({ HOLD_TTL_SECONDS: "300" }).holdTtlSeconds).toBe(300);
    expect(first.holdTtlSeconds).toBe(120);
  });
});
