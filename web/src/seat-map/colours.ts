/** Seat colours: each price tier its own colour while available; held and sold greyed; yours dark. */
export const TIER_COLOURS = ["#1d4ed8", "#047857", "#b45309", "#be185d", "#6d28d9", "#0e7490", "#4d7c0f", "#b91c1c"];
export const HELD = "#cbd5e1";
export const SOLD = "#64748b";
export const SELECTED = "#0f172a";

/** The tiers of a map, dearest first, each with its colour. */
export function tiersOf(prices: number[]): { price: number; colour: string }[] {
  return [...new Set(prices)].sort((a, b) => b - a).map((price, i) => ({ price, colour: TIER_COLOURS[i % TIER_COLOURS.length] ?? "#1d4ed8" }));
}
