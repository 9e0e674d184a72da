/**
 * Keyboard movement over the canvas seat map: from one seat to its neighbour in a direction, by
 * the seats' drawn positions (world units, one seat a unit). Left and right stay in the row;
 * up and down go to the nearest row that way, then the nearest seat across. Pure, so the browser
 * test and the canvas agree; a linear scan (50,000 seats is well under a millisecond a key).
 */
export type Direction = "left" | "right" | "up" | "down";

export const ARROWS: Readonly<Record<string, Direction>> = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down" };

export function neighbour(xs: ArrayLike<number>, ys: ArrayLike<number>, from: number, dir: Direction): number {
  const fx = xs[from], fy = ys[from];
  if (fx === undefined || fy === undefined) return from;
  let best = from, bestScore = Number.POSITIVE_INFINITY;
  for (let i = 0; i < xs.length; i++) {
    const dx = (xs[i] ?? fx) - fx, dy = (ys[i] ?? fy) - fy;
    const horizontal = dir === "left" || dir === "right";
    const along = dir === "right" ? dx : dir === "left" ? -dx : dir === "down" ? dy : -dy;
    const across = horizontal ? dy : dx;
    if (along < 0.5) continue; // not that way (or the same seat)
    if (horizontal && Math.abs(across) >= 0.5) continue; // another row
    // Vertical: the nearest row first (rows are a unit apart), then the nearest seat across it.
    const score = horizontal ? along : Math.round(along) * 1e6 + Math.abs(across);
    if (score < bestScore) { bestScore = score; best = i; }
  }
  return best;
}
