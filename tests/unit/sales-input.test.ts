import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCell, csvLine } from "../../src/domain/csv";
import { decodeCursor, encodeCursor, eventBookingsQuery } from "../../src/domain/sales-input";

describe("csv cells", () => {
  it("escapes text a spreadsheet would run as a formula, and quotes what must be quoted", () => {
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("=HYPERLINK(\"x\",\"y\")")).toBe("\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
    expect(csvCell("a,b")).toBe("\"a,b\"");
    expect(csvCell("line\nbreak")).toBe("\"line\nbreak\"");
    expect(csvCell("김민지")).toBe("김민지");
    expect(csvCell(150000)).toBe("150000");
    expect(csvCell(null)).toBe("");
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });

  it("never lets a cell start a formula or break out of its cell", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
      const cell = csvCell(s);
      const inner = cell.startsWith("\"") ? cell.slice(1, -1) : cell;
      expect(/^[=+\-@\t\r]/.test(inner)).toBe(false);
      if (!cell.startsWith("\"")) expect(/[",\r\n]/.test(cell)).toBe(false);
      else expect(inner.replaceAll("\"\"", "").includes("\"")).toBe(false);
    }));
  });
});

describe("cursors", () => {
  it("round-trip, and anything else is refused", () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 45 }), fc.uuid(), (at, id) => {
      expect(decodeCursor(encodeCursor({ at, id: id.toLowerCase() }))).toEqual({ at, id: id.toLowerCase() });
    }));
    for (const bad of ["", "zzz", "!!", btoa("1.not-a-uuid"), btoa(`-1.${crypto.randomUUID()}`)]) expect(decodeCursor(bad)).toBeNull();
    expect(eventBookingsQuery.safeParse({ cursor: "abc" }).success).toBe(false);
  });
});
