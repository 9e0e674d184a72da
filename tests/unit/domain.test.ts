import { describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { canTransition, visibleState } from "../../src/domain/booking-state";
import { createEventSchema } from "../../src/domain/event-input";
import { hashPassword, verifyPassword } from "../../src/domain/password";
import { newRefreshToken, parseRefreshToken } from "../../src/domain/refresh-token";
import { expandSeats, seatMapSchema, summarize } from "../../src/domain/seat-map";
import { generatePrivateJwk, loadKeys, signAccessToken, verifyAccessToken } from "../../src/domain/tokens";

describe("seat maps", () => {
  it("expands sections into SECTION-ROW-NUMBER seats and summarizes prices", () => {
    const map = seatMapSchema.parse({ sections: [{ name: "A", price: 150000, rows: [{ label: "1", seats: 3 }] }], areas: [{ name: "FLOOR", price: 99000, capacity: 500 }] });
    expect(expandSeats(map).map((s) => s.seatId)).toEqual(["A-1-1", "A-1-2", "A-1-3"]);
    expect(summarize(map)).toEqual({ minPrice: 99000, maxPrice: 150000, totalSeats: 503 });
  });

  it.each([
    [{ sections: [], areas: [] }, "sections"],
    [{ sections: [{ name: "A", price: -1, rows: [{ label: "1", seats: 1 }] }] }, "sections.0.price"],
    [{ sections: [{ name: "A", price: 1.5, rows: [{ label: "1", seats: 1 }] }] }, "sections.0.price"],
    [{ sections: [{ name: "A", price: 1, rows: [{ label: "1", seats: 1 }, { label: "1", seats: 2 }] }] }, "sections.0.rows.1.label"],
    [{ sections: [{ name: "A", price: 1, rows: [{ label: "1", seats: 1 }] }, { name: "a", price: 1, rows: [{ label: "1", seats: 1 }] }] }, "sections.1.name"],
    [{ sections: [{ name: "A-B", price: 1, rows: [{ label: "1", seats: 1 }] }] }, "sections.0.name"],
    [{ areas: [{ name: "FLOOR", price: 1, capacity: 0 }] }, "areas.0.capacity"],
    // One seat over the cap of 50,000 reserved seats.
    [{ sections: Array.from({ length: 100 }, (_, i) => ({ name: `S${i}`, price: 1, rows: [{ label: "1", seats: 500 }, ...(i === 0 ? [{ label: "2", seats: 1 }] : [])] })) }, "sections"],
  ])("rejects an invalid seat map (%#) naming %s", (map, field) => {
    const r = seatMapSchema.safeParse(map);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toContain(field);
  });

  it("rejects events whose dates are out of order or in the past", () => {
    const base = { title: "T", category: "concert", venue: "V", currency: "KRW", seat_map: { areas: [{ name: "GA", price: 1, capacity: 1 }] } };
    const past = createEventSchema.safeParse({ ...base, start_date: "2020-01-01T00:00:00Z" });
    expect(past.error?.issues[0]?.path).toEqual(["start_date"]);
    const reversed = createEventSchema.safeParse({ ...base, start_date: "2099-01-02T00:00:00Z", end_date: "2099-01-01T00:00:00Z" });
    expect(reversed.error?.issues[0]?.path).toEqual(["end_date"]);
    expect(createEventSchema.safeParse({ ...base, start_date: "2099-01-01T00:00:00Z", currency: "KRWX" }).success).toBe(false);
  });
});

describe("booking state machine", () => {
  it("allows only the documented transitions", () => {
    expect(canTransition("reserved", "confirmed")).toBe(true);
    expect(canTransition("reserved", "expired")).toBe(true);
    expect(canTransition("confirmed", "refunded")).toBe(true);
    expect(canTransition("confirmed", "cancelled")).toBe(false);
    // Late payments: allowed by the machine, taken by the room only when the seats are free.
    expect(canTransition("expired", "confirmed")).toBe(true);
    expect(canTransition("expired", "cancelled")).toBe(false);
    expect(canTransition("cancelled", "refunded")).toBe(false);
    expect(canTransition("refunded", "confirmed")).toBe(false);
  });
  it("shows a lapsed hold as expired", () => {
    const now = new Date("2027-01-01T00:10:00Z");
    expect(visibleState("reserved", new Date("2027-01-01T00:09:59Z"), now)).toBe("expired");
    expect(visibleState("reserved", new Date("2027-01-01T00:10:01Z"), now)).toBe("reserved");
    expect(visibleState("confirmed", new Date("2027-01-01T00:00:00Z"), now)).toBe("confirmed");
  });
});

describe("passwords", () => {
  it("hashes with a salt and verifies only the right password", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).not.toEqual(b);
    expect(a.startsWith("pbkdf2-sha256$100000$")).toBe(true);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterz", a)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
});

describe("access tokens", () => {
  const principal = { userId: crypto.randomUUID(), email: "a@b.kr", role: "organizer" as const };

  it("round-trips and refuses tokens signed by another key", async () => {
    const keys = await loadKeys(await generatePrivateJwk());
    const other = await loadKeys(await generatePrivateJwk());
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const token = await signAccessToken(keys, principal, 900, issuedAt);
    // The verified principal also says when the token expires (the live feed closes then).
    expect(await verifyAccessToken(keys, token)).toEqual({ ...principal, expiresAt: issuedAt.getTime() + 900_000 });
    expect(await verifyAccessToken(other, token)).toBeNull();
    expect(await verifyAccessToken(keys, token.slice(0, -2) + "AA")).toBeNull();
  });

  it("refuses expired tokens and tokens with another algorithm", async () => {
    const keys = await loadKeys(await generatePrivateJwk());
    const expired = await new SignJWT({ email: "a@b.kr", role: "user" }).setProtectedHeader({ alg: "ES256" }).setSubject(principal.userId)
      .setIssuer("ticketing-pro").setAudience("ticketing-pro-api").setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_900).sign(keys.privateKey);
    expect(await verifyAccessToken(keys, expired)).toBeNull();
    const hmac = await new SignJWT({ email: "a@b.kr", role: "admin" }).setProtectedHeader({ alg: "HS256" }).setSubject(principal.userId)
      .setIssuer("ticketing-pro").setAudience("ticketing-pro-api").setExpirationTime("5m").sign(new TextEncoder().encode("k".repeat(32)));
    expect(await verifyAccessToken(keys, hmac)).toBeNull();
    const unsigned = `${btoa(JSON.stringify({ alg: "none" }))}.${btoa(JSON.stringify({ sub: principal.userId, role: "admin" }))}.`;
    expect(await verifyAccessToken(keys, unsigned)).toBeNull();
  });
});

describe("refresh tokens", () => {
  it("parses only well-formed tokens and hashes the secret", async () => {
    const t = await newRefreshToken();
    expect(await parseRefreshToken(t.token)).toEqual({ tokenId: t.tokenId, hash: t.hash });
    expect(await parseRefreshToken("nope")).toBeNull();
    expect(await parseRefreshToken(`${t.tokenId}.short`)).toBeNull();
  });
});
