import type { z } from "zod";
import { seatMapSchema } from "../../../src/domain/seat-map";

/**
 * The seat-map builder's model: price tiers, and sections and standing areas that each take a
 * tier. The API's seat map carries prices, not tiers, so tiers live only here: a map converts
 * to the API's shape (`toSeatMap`) and back (`fromSeatMap`, one tier per distinct price). Pure
 * functions, so the import path and the builder agree.
 */
export type SeatMapInput = z.input<typeof seatMapSchema>;
export type SeatMapValue = z.output<typeof seatMapSchema>;

export interface Tier { id: string; name: string; price: number }
export interface SectionDraft { id: string; name: string; tierId: string; rows: { label: string; seats: number }[] }
export interface AreaDraft { id: string; name: string; tierId: string; capacity: number }
export interface BuilderModel { tiers: Tier[]; sections: SectionDraft[]; areas: AreaDraft[] }

let next = 0;
export const newId = (prefix: string): string => `${prefix}${++next}`;

/** Rows labelled 1..n, each `seats` long. */
export const evenRows = (rows: number, seats: number) => Array.from({ length: Math.max(0, rows) }, (_, i) => ({ label: String(i + 1), seats }));

/** Whether the rows are 1..n of one length (the builder's row x seat inputs describe them fully). */
export const isEven = (rows: SectionDraft["rows"]) => rows.every((r, i) => r.label === String(i + 1) && r.seats === rows[0]?.seats);

export function toSeatMap(m: BuilderModel): SeatMapValue {
  const price = (tierId: string) => m.tiers.find((t) => t.id === tierId)?.price ?? 0;
  return {
    sections: m.sections.map((s) => ({ name: s.name, price: price(s.tierId), rows: s.rows.map((r) => ({ ...r })) })),
    areas: m.areas.map((a) => ({ name: a.name, price: price(a.tierId), capacity: a.capacity })),
  };
}

/** A map as the builder edits it: one tier per distinct price, dearest first (named by `tierName(index)`). */
export function fromSeatMap(map: SeatMapValue, tierName: (i: number) => string): BuilderModel {
  const prices = [...new Set([...map.sections.map((s) => s.price), ...map.areas.map((a) => a.price)])].sort((a, b) => b - a);
  const tiers = prices.map((price, i) => ({ id: newId("tier"), name: tierName(i), price }));
  const tierOf = (price: number) => tiers.find((t) => t.price === price)?.id ?? "";
  return {
    tiers,
    sections: map.sections.map((s) => ({ id: newId("section"), name: s.name, tierId: tierOf(s.price), rows: s.rows.map((r) => ({ ...r })) })),
    areas: map.areas.map((a) => ({ id: newId("area"), name: a.name, tierId: tierOf(a.price), capacity: a.capacity })),
  };
}

/** Parses an imported layout with the API's own schema: the map, or every problem with its path. */
export function importSeatMap(text: string): { ok: true; map: SeatMapValue } | { ok: false; errors: { path: string; message: string }[] } | { ok: false; notJson: true } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, notJson: true };
  }
  const parsed = seatMapSchema.safeParse(json);
  if (parsed.success) return { ok: true, map: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(seat map)", message: i.message })) };
}

export const seatCount = (map: SeatMapValue) => map.sections.reduce((n, s) => n + s.rows.reduce((m, r) => m + r.seats, 0), 0);
export const standingCount = (map: SeatMapValue) => map.areas.reduce((n, a) => n + a.capacity, 0);
