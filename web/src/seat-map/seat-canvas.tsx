import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import { useI18n } from "../i18n/i18n";
import { HELD, SELECTED, SOLD } from "./colours";
import { fitView, seatAt, SEAT_SIZE, seatId, zoomAt, type Layout, type View } from "./layout";

export type SeatStatus = "available" | "held" | "sold";

interface Props {
  layout: Layout;
  status: ReadonlyMap<string, SeatStatus>;
  tierColour: (price: number) => string;
  selected: ReadonlySet<string>;
  onToggle: (seat: string) => void;
}

/**
 * The seat map on a canvas. Positions are computed once per map into typed arrays; a status or
 * selection change recomputes one colour index per seat; a frame then only culls to the view and
 * fills one path per colour, so 50,000 seats draw in a few milliseconds and panning stays smooth.
 * Each frame is recorded as a `seat-map:draw` performance measure (read by the browser test).
 */
export function SeatCanvas({ layout, status, tierColour, selected, onToggle }: Props) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [view, setView] = useState<View | null>(null);

  const seats = useMemo(() => {
    const ids: string[] = [];
    const xs: number[] = [], ys: number[] = [], prices: number[] = [];
    for (const s of layout.sections) s.rows.forEach((row, r) => {
      for (let n = 1; n <= row.seats; n++) { ids.push(seatId(s.name, row.label, n)); xs.push(s.x + n - 1); ys.push(s.y + r); prices.push(s.price); }
    });
    return { ids, x: Float32Array.from(xs), y: Float32Array.from(ys), prices };
  }, [layout]);

  // Colour of each seat: an index into `palette`.
  const { palette, colourOf } = useMemo(() => {
    const palette: string[] = [HELD, SOLD, SELECTED];
    const index = new Map<string, number>();
    const colourOf = new Uint8Array(seats.ids.length);
    seats.ids.forEach((id, i) => {
      const s = status.get(id) ?? "sold"; // a seat the map does not list cannot be bought
      if (selected.has(id)) colourOf[i] = 2;
      else if (s === "held") colourOf[i] = 0;
      else if (s === "sold") colourOf[i] = 1;
      else {
        const c = tierColour(seats.prices[i] ?? 0);
        let k = index.get(c);
        if (k === undefined) { k = palette.length; palette.push(c); index.set(c, k); }
        colourOf[i] = k;
      }
    });
    return { palette, colourOf };
  }, [seats, status, selected, tierColour]);

  useEffect(() => {
    const el = canvas.current?.parentElement;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ w: el.clientWidth, h: Math.max(320, Math.min(560, el.clientWidth * 0.6)) }));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => { if (size.w > 0) setView(fitView(layout, size.w, size.h)); }, [layout, size]);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext("2d");
    if (!el || !ctx || !view) return;
    const frame = requestAnimationFrame(() => {
      const start = performance.now();
      const dpr = window.devicePixelRatio || 1;
      el.width = Math.round(size.w * dpr);
      el.height = Math.round(size.h * dpr);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, size.w, size.h);
      // The visible world rectangle, to skip what is off screen.
      const x0 = -view.x / view.scale - 1, y0 = -view.y / view.scale - 1;
      const x1 = (size.w - view.x) / view.scale, y1 = (size.h - view.y) / view.scale;
      const paths = palette.map(() => new Path2D());
      const px = Math.max(0.5, SEAT_SIZE * view.scale);
      for (let i = 0; i < seats.ids.length; i++) {
        const x = seats.x[i] ?? 0, y = seats.y[i] ?? 0;
        if (x < x0 || x > x1 || y < y0 || y > y1) continue;
        paths[colourOf[i] ?? 1]?.rect(x * view.scale + view.x, y * view.scale + view.y, px, px);
      }
      paths.forEach((p, k) => { ctx.fillStyle = palette[k] ?? SOLD; ctx.fill(p); });
      ctx.fillStyle = "#0f172a";
      ctx.font = `${Math.min(14, Math.max(10, view.scale))}px system-ui, sans-serif`;
      for (const s of layout.sections) ctx.fillText(s.name, s.x * view.scale + view.x, s.y * view.scale + view.y - 4);
      performance.measure("seat-map:draw", { start, end: performance.now() });
    });
    return () => cancelAnimationFrame(frame);
  }, [layout, seats, palette, colourOf, view, size]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = el.getBoundingClientRect();
      setView((v) => (v ? zoomAt(v, Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top) : v));
    };
    el.addEventListener("wheel", wheel, { passive: false });
    return () => el.removeEventListener("wheel", wheel);
  }, []);

  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const down = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    drag.current = { x: e.clientX, y: e.clientY, moved: false };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const move = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x, dy = e.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < 4) return; // a click, not a drag, so far
    d.moved = true;
    d.x = e.clientX; d.y = e.clientY;
    setView((v) => (v ? { ...v, x: v.x + dx, y: v.y + dy } : v));
  };
  const up = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d || d.moved || !view) return;
    const box = e.currentTarget.getBoundingClientRect();
    const id = seatAt(layout, (e.clientX - box.left - view.x) / view.scale, (e.clientY - box.top - view.y) / view.scale);
    if (id && (status.get(id) === "available" || selected.has(id))) onToggle(id);
  };
  const zoom = (factor: number) => setView((v) => (v ? zoomAt(v, factor, size.w / 2, size.h / 2) : v));

  return (
    <div className="relative w-full">
      <canvas ref={canvas} role="img" aria-label={`${t("event.seatMap")}: ${t("event.mapHint")}`} data-testid="seat-canvas"
        onPointerDown={down} onPointerMove={move} onPointerUp={up} onPointerCancel={() => { drag.current = null; }}
        className="block w-full cursor-pointer touch-none rounded bg-white ring-1 ring-slate-300"
        style={{ height: size.h || 320 }} />
      <div className="absolute right-2 top-2 flex gap-1">
        <button type="button" onClick={() => zoom(1.5)} aria-label={t("event.zoomIn")} className="h-8 w-8 rounded border border-slate-400 bg-white text-lg">+</button>
        <button type="button" onClick={() => zoom(1 / 1.5)} aria-label={t("event.zoomOut")} className="h-8 w-8 rounded border border-slate-400 bg-white text-lg">−</button>
      </div>
    </div>
  );
}
