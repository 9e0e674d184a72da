import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { instant, int, queryInt, text, uuid } from "../../src/domain/input";
import { websearchText } from "../../src/domain/search-text";

// The input building blocks every request schema is made of, as properties over generated text.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LINE = /[\t\n\r]/;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const badChar = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).filter((n) => ![9, 10, 13].includes(n)),
  fc.integer({ min: 0x7f, max: 0x9f }),
  fc.integer({ min: 0xd800, max: 0xdfff }),
).map((n) => String.fromCharCode(n));

describe("text()", () => {
  const single = text({ max: 200 });
  const multi = text({ max: 200, multiline: true });

  it("accepts any well-formed text without control characters, unchanged but for trimming", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 50 }).filter((s) => !CONTROL.test(s) && !LINE.test(s)), (s) => {
      expect(single.parse(s)).toBe(s.trim());
      expect(multi.parse(s)).toBe(s);
    }));
  });

  it("refuses a control character or an unpaired surrogate anywhere, in either kind", () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), badChar, fc.string({ maxLength: 20 }), (a, bad, b) => {
      const s = `${a}${bad}${b}`;
      fc.pre(CONTROL.test(s) || LONE.test(s));
      expect(single.safeParse(s).success).toBe(false);
      expect(multi.safeParse(s).success).toBe(false);
    }));
  });

  it("takes tab and line breaks only where text is multi-line", () => {
    expect(multi.parse("a\tb\r\nc")).toBe("a\tb\r\nc");
    expect(single.safeParse("a\tb").success).toBe(false);
    expect(single.safeParse("a\nb").success).toBe(false);
  });

  it("keeps the limits, counted after trimming; keeps surrogate pairs whole", () => {
    expect(text({ min: 1, max: 3 }).safeParse("   ").success).toBe(false);
    expect(text({ max: 3 }).safeParse("abcd").success).toBe(false);
    expect(text({ max: 2 }).parse("🎟")).toBe("🎟");
    expect(text({ max: 10, trim: false }).parse(" pass ")).toBe(" pass ");
  });
});

describe("numbers, instants and ids", () => {
  it("int() refuses -0, fractions, infinities and out-of-range values", () => {
    const n = int(0, 10);
    for (const bad of [-0, 0.5, 11, -1, Infinity, Number.NaN]) expect(n.safeParse(bad).success).toBe(false);
    expect(n.parse(0)).toBe(0);
  });

  it("queryInt() takes digits only", () => {
    const q = queryInt(1, 100);
    for (const bad of ["", " 1", "1e2", "0x10", "-1", "+1", "1.0", "101", "0", "NaN"]) expect(q.safeParse(bad).success).toBe(false);
    expect(q.parse("42")).toBe(42);
  });

  it("instant() refuses years Postgres and JavaScript disagree on", () => {
    const t = instant();
    for (const bad of ["0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00", "2027-02-29T00:00:00Z", "2027-01-01"]) expect(t.safeParse(bad).success).toBe(false);
    expect(t.parse("2027-03-01T10:00:00+09:00")).toBe("2027-03-01T10:00:00+09:00");
  });

  it("uuid refuses UUID-shaped strings that are not UUIDs, and lowercases real ones", () => {
    for (const bad of ["-".repeat(36), "zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz", "0000000g-0000-4000-8000-000000000000", ""]) expect(uuid.safeParse(bad).success).toBe(false);
    expect(uuid.parse("6F1D7E0E-6B7A-4F6E-9A51-1C2D3E4F5A6B")).toBe("6f1d7e0e-6b7a-4f6e-9a51-1c2d3e4f5a6b");
  });
});

describe("websearchText()", () => {
  it("leaves no '-' that negates nothing, and keeps every word and real negation", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom("-", "- ", " -", "a", "한", "\"x\"", " ", "-b", "or", "!", ":"), { maxLength: 80 }).map((p) => p.join("")), (q) => {
      const out = websearchText(q);
      expect(out).not.toMatch(/-(?=[^\p{L}\p{N}"]|$)/u);
      expect(out.match(/[\p{L}\p{N}]+/gu)).toEqual(q.match(/[\p{L}\p{N}]+/gu));
    }));
    expect(websearchText("BTS -Seoul")).toBe("BTS -Seoul");
    expect(websearchText("-".repeat(40)).trim()).toBe("");
  });
});
