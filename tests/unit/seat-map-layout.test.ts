import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitView, layoutSeatMap, seatAt, seatId, seatPosition, SEAT_SIZE, zoomAt, type SeatMapShape } from "../../web/src/seat-map/layout";

// The web app's seat-map geometry (web/src/seat-map/layout.ts): what the canvas draws where, and
// which seat a click lands on. Pure functions, so every seat of random maps is checked.

const label = fc.stringMatching(/^[A-Z0-9]{1,3}$/);
const shape: fc.Arbitrary<SeatMapShape> = fc.uniqueArray(
  fc.record({ name: label, price: fc.integer({ min: 0, max: 500_000 }), rows: fc.uniqueArray(fc.record({ label: label, seats: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 12, selector: (r) => r.label }) }),
  { minLength: 1, maxLength: 8, selector: (s) => s.name },
).map((sections) => ({ sections }));

const everySeat = (map: SeatMapShape) => map.sections.flatMap((s) => s.rows.flatMap((r) => Array.from({ length: r.seats }, (_, i) => seatId(s.name, r.label, i + 1))));

describe("seat map layout", () => {
  it("a click anywhere on a seat's square finds that seat, for every seat", () => {
    fc.assert(fc.property(shape, fc.double({ min: 0, max: SEAT_SIZE, noNaN: true }), fc.double({ min: 0, max: SEAT_SIZE, noNaN: true }), (map, dx, dy) => {
      const layout = layoutSeatMap(map);
      for (const id of everySeat(map)) {
        const p = seatPosition(layout, id);
        expect(p).not.toBeNull();
        if (p) expect(seatAt(layout, p.x + dx, p.y + dy)).toBe(id);
      }
    }), { numRuns: 50 });
  });

  it("no two seats share a square, and every seat is inside the map", () => {
    fc.assert(fc.property(shape, (map) => {
      const layout = layoutSeatMap(map);
      const squares = new Set<string>();
      for (const id of everySeat(map)) {
        const p = seatPosition(layout, id);
        if (!p) throw new Error(`no position for ${id}`);
        expect(p.x).toBeGreaterThanOrEqual(0);
        expect(p.x + SEAT_SIZE).toBeLessThanOrEqual(layout.width);
        expect(p.y + SEAT_SIZE).toBeLessThanOrEqual(layout.height);
        squares.add(`${p.x},${p.y}`);
      }
      expect(squares.size).toBe(layout.seats);
    }), { numRuns: 50 });
  });

  it("outside every seat (the gaps between sections, off the map) is no seat", () => {
    const layout = layoutSeatMap({ sections: [{ name: "A", price: 1, rows: [{ label: "1", seats: 3 }, { label: "2", seats: 1 }] }, { name: "B", price: 1, rows: [{ label: "1", seats: 2 }] }] });
    expect(seatAt(layout, -0.1, 2)).toBeNull();
    expect(seatAt(layout, 1.5, layout.height + 1)).toBeNull();
    const a21 = seatPosition(layout, "A-2-1");
    if (!a21) throw new Error("no A-2-1");
    expect(seatAt(layout, a21.x + 1.5, a21.y + 0.5)).toBeNull(); // row 2 has one seat: its neighbour square is empty
    expect(seatPosition(layout, "A-2-2")).toBeNull();
    expect(seatPosition(layout, "C-1-1")).toBeNull();
  });

  it("the first view shows the whole map, and zooming keeps the point under the cursor still", () => {
    fc.assert(fc.property(shape, fc.integer({ min: 200, max: 2000 }), fc.integer({ min: 200, max: 1200 }), fc.double({ min: 0.5, max: 2, noNaN: true }), (map, w, h, k) => {
      const layout = layoutSeatMap(map);
      const v = fitView(layout, w, h);
      expect(v.x).toBeGreaterThanOrEqual(-1e-6);
      expect(v.y).toBeGreaterThanOrEqual(-1e-6);
      expect(v.x + layout.width * v.scale).toBeLessThanOrEqual(w + 1e-6);
      expect(v.y + layout.height * v.scale).toBeLessThanOrEqual(h + 1e-6);
      const z = zoomAt(v, k, w / 3, h / 4);
      const before = { x: (w / 3 - v.x) / v.scale, y: (h / 4 - v.y) / v.scale };
      const after = { x: (w / 3 - z.x) / z.scale, y: (h / 4 - z.y) / z.scale };
      expect(after.x).toBeCloseTo(before.x, 6);
      expect(after.y).toBeCloseTo(before.y, 6);
    }), { numRuns: 100 });
  });
});
