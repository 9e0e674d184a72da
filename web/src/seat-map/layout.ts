/**
 * Where each seat of a seat map is drawn: pure geometry, shared by the canvas renderer, its
 * hit-testing and the browser test that clicks a seat. Sections are blocks of rows (one seat is one
 * unit square), placed left to right and wrapped into lines of about a square's width overall.
 */
export interface SeatMapShape {
  sections: { name: string; price: number; rows: { label: string; seats: number }[] }[];
}

export const SEAT = 1; // one seat's pitch, in world units
export const SEAT_SIZE = 0.8; // the square drawn inside it
const GAP = 3; // between sections
const LABEL = 1.5; // room above a section for its name

export interface PlacedSection {
  name: string;
  price: number;
  rows: { label: string; seats: number }[];
  x: number; y: number; w: number; h: number;
}

export interface Layout { sections: PlacedSection[]; width: number; height: number; seats: number }

export function layoutSeatMap(map: SeatMapShape): Layout {
  const sizes = map.sections.map((s) => ({ w: Math.max(1, ...s.rows.map((r) => r.seats)) * SEAT, h: s.rows.length * SEAT }));
  const seats = map.sections.reduce((n, s) => n + s.rows.reduce((m, r) => m + r.seats, 0), 0);
  const area = sizes.reduce((a, s) => a + (s.w + GAP) * (s.h + GAP + LABEL), 0);
  const lineWidth = Math.max(Math.sqrt(area) * 1.3, ...sizes.map((s) => s.w));
  const sections: PlacedSection[] = [];
  let x = 0, y = LABEL, lineHeight = 0, width = 0;
  map.sections.forEach((s, i) => {
    const size = sizes[i] ?? { w: 1, h: 1 };
    if (x > 0 && x + size.w > lineWidth) { x = 0; y += lineHeight + GAP + LABEL; lineHeight = 0; }
    sections.push({ name: s.name, price: s.price, rows: s.rows, x, y, w: size.w, h: size.h });
    x += size.w + GAP;
    width = Math.max(width, x - GAP);
    lineHeight = Math.max(lineHeight, size.h);
  });
  return { sections, width: Math.max(width, 1), height: y + lineHeight, seats };
}

/** The seat's id as the API names it (`A-1-3`). */
export const seatId = (section: string, row: string, seat: number): string => `${section}-${row}-${seat}`;

/** The seat's square's top-left corner in world units. */
export function seatPosition(layout: Layout, id: string): { x: number; y: number } | null {
  for (const s of layout.sections) {
    if (!id.startsWith(`${s.name}-`)) continue;
    const rest = id.slice(s.name.length + 1);
    const dash = rest.lastIndexOf("-");
    const rowLabel = rest.slice(0, dash);
    const n = Number(rest.slice(dash + 1));
    const r = s.rows.findIndex((row) => row.label === rowLabel);
    const row = s.rows[r];
    if (row && Number.isInteger(n) && n >= 1 && n <= row.seats) return { x: s.x + (n - 1) * SEAT, y: s.y + r * SEAT };
  }
  return null;
}

/** The seat under a world point, if any (the gaps between squares count as the seat). */
export function seatAt(layout: Layout, x: number, y: number): string | null {
  for (const s of layout.sections) {
    if (x < s.x || y < s.y || x >= s.x + s.w || y >= s.y + s.h) continue;
    const row = s.rows[Math.floor((y - s.y) / SEAT)];
    const n = Math.floor((x - s.x) / SEAT) + 1;
    return row && n <= row.seats ? seatId(s.name, row.label, n) : null;
  }
  return null;
}

/** Screen = world * scale + offset. */
export interface View { scale: number; x: number; y: number }

/** The view that shows the whole map centred in a canvas of this size (CSS pixels). */
export function fitView(layout: Layout, width: number, height: number, margin = 12): View {
  const scale = Math.max(0.05, Math.min((width - 2 * margin) / layout.width, (height - 2 * margin) / layout.height, 40));
  return { scale, x: (width - layout.width * scale) / 2, y: (height - layout.height * scale) / 2 };
}

/** Zooms by `factor` keeping the world point under (px, py) where it is. */
export function zoomAt(view: View, factor: number, px: number, py: number): View {
  const scale = Math.min(200, Math.max(0.05, view.scale * factor));
  const k = scale / view.scale;
  return { scale, x: px - (px - view.x) * k, y: py - (py - view.y) * k };
}
