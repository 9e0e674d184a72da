import { z } from "zod";
import { int } from "./input";
import { amountSchema } from "./money";

/**
 * The seat map an organizer declares, and its expansion into sellable inventory.
 * Seat ids read SECTION-ROW-NUMBER ("A-1-3"), so names may not contain "-".
 */
export const LIMITS = { sections: 100, rowsPerSection: 200, seatsPerRow: 500, areas: 20, areaCapacity: 200_000, reservedSeats: 50_000 } as const;

/** Section, row and area names: they become parts of seat ids, so letters and digits only. */
export const label = (what: string) => z.string().trim().min(1, `${what} must not be empty`).max(12).regex(/^[A-Za-z0-9가-힣]+$/, `${what} may hold only letters and digits`);

export const seatMapSchema = z.strictObject({
  sections: z.array(z.strictObject({
    name: label("section name"),
    price: amountSchema,
    rows: z.array(z.strictObject({
      label: label("row label"),
      seats: int(1, LIMITS.seatsPerRow),
    })).min(1, "a section needs at least one row").max(LIMITS.rowsPerSection),
  })).max(LIMITS.sections).default([]),
  areas: z.array(z.strictObject({
    name: label("area name"),
    price: amountSchema,
    capacity: int(1, LIMITS.areaCapacity),
  })).max(LIMITS.areas).default([]),
}).superRefine((map, ctx) => {
  if (map.sections.length === 0 && map.areas.length === 0) {
    ctx.addIssue({ code: "custom", path: ["sections"], message: "the seat map needs at least one section or area" });
  }
  const names = new Set<string>();
  map.sections.forEach((s, i) => {
    const key = s.name.toUpperCase();
    if (names.has(key)) ctx.addIssue({ code: "custom", path: ["sections", i, "name"], message: `duplicate section "${s.name}"` });
    names.add(key);
    const rows = new Set<string>();
    s.rows.forEach((r, j) => {
      if (rows.has(r.label.toUpperCase())) ctx.addIssue({ code: "custom", path: ["sections", i, "rows", j, "label"], message: `duplicate row "${r.label}" in section ${s.name}` });
      rows.add(r.label.toUpperCase());
    });
  });
  map.areas.forEach((a, i) => {
    const key = a.name.toUpperCase();
    if (names.has(key)) ctx.addIssue({ code: "custom", path: ["areas", i, "name"], message: `duplicate name "${a.name}"` });
    names.add(key);
  });
  const total = map.sections.reduce((n, s) => n + s.rows.reduce((m, r) => m + r.seats, 0), 0);
  if (total > LIMITS.reservedSeats) ctx.addIssue({ code: "custom", path: ["sections"], message: `at most ${LIMITS.reservedSeats} reserved seats (got ${total})` });
});
export type SeatMap = z.output<typeof seatMapSchema>;

export interface SeatDef { seatId: string; section: string; row: string; number: number; price: number }
export interface AreaDef { name: string; price: number; capacity: number }

export function seatId(section: string, row: string, number: number): string {
  return `${section}-${row}-${number}`;
}

export function expandSeats(map: SeatMap): SeatDef[] {
  return map.sections.flatMap((s) =>
    s.rows.flatMap((r) => Array.from({ length: r.seats }, (_, k) => ({
      seatId: seatId(s.name, r.label, k + 1), section: s.name, row: r.label, number: k + 1, price: s.price,
    }))));
}

export function summarize(map: SeatMap): { minPrice: number; maxPrice: number; totalSeats: number } {
  const prices = [...map.sections.map((s) => s.price), ...map.areas.map((a) => a.price)];
  const reserved = map.sections.reduce((n, s) => n + s.rows.reduce((m, r) => m + r.seats, 0), 0);
  const ga = map.areas.reduce((n, a) => n + a.capacity, 0);
  return { minPrice: Math.min(...prices), maxPrice: Math.max(...prices), totalSeats: reserved + ga };
}
