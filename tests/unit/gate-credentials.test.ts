import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { loginBody } from "../../src/domain/auth-input";
import { GATE_CREDENTIAL_BYTES, GATE_LOGIN_BYTES, gateCredentials, newGateCredentials } from "../../src/domain/gate-credentials";
import { generatePrivateJwk, loadKeys, signAccessToken, verifyAccessToken } from "../../src/domain/tokens";

const bytes = (fill: (i: number) => number) => Uint8Array.from({ length: GATE_CREDENTIAL_BYTES }, (_, i) => fill(i));

describe("gate account credentials", () => {
  it("are made from the random bytes alone: an email-shaped login the normal login takes, and a password", () => {
    const c = gateCredentials(bytes((i) => i * 7));
    expect(c).toEqual(gateCredentials(bytes((i) => i * 7)));
    expect(c.login).toMatch(/^gate-[a-z2-7]{16}@gate\.ticketing\.invalid$/);
    expect(loginBody.parse({ email: c.login, password: c.password })).toEqual({ email: c.login, password: c.password });
    expect(c.password).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("every login bit and every password bit comes from its own bytes", () => {
    const base = gateCredentials(bytes(() => 0));
    for (let i = 0; i < GATE_CREDENTIAL_BYTES; i++) {
      const flipped = gateCredentials(bytes((k) => (k === i ? 1 : 0)));
      if (i < GATE_LOGIN_BYTES) {
        expect(flipped.login, `byte ${i}`).not.toBe(base.login);
        expect(flipped.password).toBe(base.password);
      } else {
        expect(flipped.password, `byte ${i}`).not.toBe(base.password);
        expect(flipped.login).toBe(base.login);
      }
    }
    expect(() => gateCredentials(new Uint8Array(GATE_CREDENTIAL_BYTES - 1))).toThrow(RangeError);
  });

  it("fresh ones do not repeat", () => {
    const logins = new Set(Array.from({ length: 2000 }, () => newGateCredentials().login));
    expect(logins.size).toBe(2000);
  });
});

describe("gate access tokens", () => {
  it("carry the one event the account staffs; a gate token without it, or another role's with one, is refused", async () => {
    const keys = await loadKeys(await generatePrivateJwk());
    const userId = crypto.randomUUID();
    const eventId = crypto.randomUUID();
    const token = await signAccessToken(keys, { userId, email: "gate-x@gate.ticketing.invalid", role: "gate", eventId }, 900);
    expect(await verifyAccessToken(keys, token)).toMatchObject({ userId, role: "gate", eventId });
    const fan = await signAccessToken(keys, { userId, email: "fan@example.com", role: "user" }, 900);
    expect((await verifyAccessToken(keys, fan))?.eventId).toBeUndefined();
    await expect(signAccessToken(keys, { userId, email: "g@x.kr", role: "gate" }, 900)).rejects.toThrow();
    await expect(signAccessToken(keys, { userId, email: "o@x.kr", role: "organizer", eventId }, 900)).rejects.toThrow();

    const forge = (claims: Record<string, unknown>) => new SignJWT({ email: "x@y.kr", ...claims }).setProtectedHeader({ alg: "ES256", kid: keys.kid, typ: "JWT" })
      .setSubject(userId).setIssuer("ticketing-pro").setAudience("ticketing-pro-api").setIssuedAt().setExpirationTime("5m").sign(keys.privateKey);
    expect(await verifyAccessToken(keys, await forge({ role: "gate" }))).toBeNull();
    expect(await verifyAccessToken(keys, await forge({ role: "organizer", evt: eventId }))).toBeNull();
    expect(await verifyAccessToken(keys, await forge({ role: "gate", evt: "not-a-uuid" }))).toBeNull();
    expect(await verifyAccessToken(keys, await forge({ role: "gate", evt: eventId }))).toMatchObject({ role: "gate", eventId });
  });
});
