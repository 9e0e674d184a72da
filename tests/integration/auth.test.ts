import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { api, register } from "../support/api";

describe("accounts over HTTP", () => {
  it("registers, returns the contract's shape, and refuses a second account for the email", async () => {
    const email = `Kim.${Date.now()}@Test.Ticketing.pro`;
    const r = await api<Record<string, any>>("/api/auth/register", { body: { email, password: "correct horse battery", name: "김민지", account_type: "organizer" } });
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ email: email.toLowerCase(), name: "김민지", role: "organizer" });
    expect(r.body.user.user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof r.body.access_token).toBe("string");
    expect(typeof r.body.refresh_token).toBe("string");
    expect(r.body.user.password_hash).toBeUndefined();
    const again = await api("/api/auth/register", { body: { email: email.toUpperCase(), password: "another long password", name: "x" } });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
    expect(again.body).toMatchObject({ code: "email_taken", status: 409 });
  });

  it("names the invalid fields with 422, and 400/415/413 for broken bodies", async () => {
    const r = await api<{ errors: { field: string }[] }>("/api/auth/register", { body: { email: "not-an-email", password: "short", name: "" } });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e) => e.field).sort()).toEqual(["email", "name", "password"]);
    expect((await api("/api/auth/register", { raw: "{not json" })).status).toBe(400);
    expect((await api("/api/auth/register", { raw: "{}", headers: { "content-type": "text/plain" } })).status).toBe(415);
    expect((await api("/api/auth/register", { raw: JSON.stringify({ email: "a@b.kr", password: "x".repeat(100_000), name: "n" }) })).status).toBe(413);
    // An account type other than user/organizer cannot be chosen by the caller.
    const admin = await api("/api/auth/register", { body: { email: `a${Date.now()}@b.kr`, password: "correct horse battery", name: "n", account_type: "admin" } });
    expect(admin.status).toBe(422);
  });

  it("gives one generic error for a wrong password and for an unknown email", async () => {
    const s = await register();
    const ok = await api<Record<string, unknown>>("/api/auth/login", { body: { email: s.email, password: "correct horse battery" } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    const wrong = await api("/api/auth/login", { body: { email: s.email, password: "wrong horse battery" } });
    const unknown = await api("/api/auth/login", { body: { email: `nobody-${Date.now()}@test.ticketing.pro`, password: "wrong horse battery" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it("rotates refresh tokens and revokes the family when an old one is replayed", async () => {
    const s = await register();
    const first = await api<{ refresh_token: string; access_token: string }>("/api/auth/refresh", { body: { refresh_token: s.refresh } });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(s.refresh);
    // The spent token comes back: a thief or a replay. Refused, and the whole family dies.
    const replay = await api("/api/auth/refresh", { body: { refresh_token: s.refresh } });
    expect(replay.status).toBe(401);
    expect((await api("/api/auth/refresh", { body: { refresh_token: first.body.refresh_token } })).status).toBe(401);
    // A fresh login starts a new family that works.
    const login = await api<{ refresh_token: string }>("/api/auth/login", { body: { email: s.email, password: "correct horse battery" } });
    expect((await api("/api/auth/refresh", { body: { refresh_token: login.body.refresh_token } })).status).toBe(200);
  });

  it("lets only one of two simultaneous refreshes with the same token win", async () => {
    const s = await register();
    const [a, b] = await Promise.all([
      api("/api/auth/refresh", { body: { refresh_token: s.refresh } }),
      api("/api/auth/refresh", { body: { refresh_token: s.refresh } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
  });

  it("logs out by revoking the session: its refresh tokens and its access tokens", async () => {
    const s = await register();
    expect((await api("/api/auth/me", { token: s.access })).status).toBe(200);
    expect((await api("/api/auth/logout", { body: { refresh_token: s.refresh } })).status).toBe(204);
    expect((await api("/api/auth/refresh", { body: { refresh_token: s.refresh } })).status).toBe(401);
    expect((await api("/api/auth/me", { token: s.access })).status).toBe(401);
    // Another session of the same account is untouched.
    const other = await api<{ access_token: string }>("/api/auth/login", { body: { email: s.email, password: "correct horse battery" } });
    expect((await api("/api/auth/me", { token: other.body.access_token })).status).toBe(200);
  });

  it("a replayed refresh token also kills the access tokens of its session", async () => {
    const s = await register();
    const next = await api<{ access_token: string; refresh_token: string }>("/api/auth/refresh", { body: { refresh_token: s.refresh } });
    expect((await api("/api/auth/me", { token: next.body.access_token })).status).toBe(200);
    expect((await api("/api/auth/refresh", { body: { refresh_token: s.refresh } })).status).toBe(401);
    expect((await api("/api/auth/me", { token: next.body.access_token })).status).toBe(401);
  });

  it("reads and updates the caller's profile; refuses missing or forged tokens", async () => {
    const s = await register();
    const me = await api<{ user: { email: string; locale: string } }>("/api/auth/me", { token: s.access });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(s.email);
    const put = await api<{ user: { name: string; locale: string; phone_number: string } }>("/api/auth/me", {
      method: "PUT", token: s.access, body: { name: "Jane Park", locale: "en", phone_number: "+82 10-1234-5678" },
    });
    expect(put.status).toBe(200);
    expect(put.body.user).toMatchObject({ name: "Jane Park", locale: "en", phone_number: "+82 10-1234-5678" });
    expect((await api("/api/auth/me", { method: "PUT", token: s.access, body: { locale: "fr" } })).status).toBe(422);
    expect((await api("/api/auth/me")).status).toBe(401);
    const [h, p] = s.access.split(".");
    const forged = `${h}.${p}.${"A".repeat(86)}`;
    expect((await api("/api/auth/me", { token: forged })).status).toBe(401);
  });

  it("serves the public key at /.well-known/jwks.json and tokens verify against it", async () => {
    const s = await register("organizer");
    const jwks = await api<{ keys: Record<string, string>[] }>("/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(jwks.body.keys[0]!.d).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(s.access, createLocalJWKSet(jwks.body as never), { algorithms: ["ES256"] });
    expect(protectedHeader.alg).toBe("ES256");
    expect(payload).toMatchObject({ sub: s.userId, role: "organizer" });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(900);
  });
});
