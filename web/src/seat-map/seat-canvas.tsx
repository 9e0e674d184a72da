import { useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type PointerEvent as ReactPointerEvent } from "react";
import { useI18n } from "../i18n/i18n";
import { HELD, SELECTED, SOLD } from "./colours";
import { itemWords } from "../wallet/item-words";
import { ARROWS, neighbour } from "./keyboard";
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
  // Keyboard: a focus seat moved by the arrow keys, drawn with a ring while the canvas has focus.
  const [focusSeat, setFocusSeat] = useState(0);
  const [focused, setFocused] = useState(false);

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
      const fx = seats.x[focusSeat], fy = seats.y[focusSeat];
      if (focused && fx !== undefined && fy !== undefined) {
        // Two rings (dark, then white) so the focus shows on every seat colour.
        const sx = fx * view.scale + view.x, sy = fy * view.scale + view.y;
        ctx.lineWidth = 4; ctx.strokeStyle = "#0f172a"; ctx.strokeRect(sx - 3.5, sy - 3.5, px + 7, px + 7);
        ctx.lineWidth = 1.5; ctx.strokeStyle = "#ffffff"; ctx.strokeRect(sx - 0.75, sy - 0.75, px + 1.5, px + 1.5);
      }
      ctx.fillStyle = "#0f172a";
      ctx.font = `${Math.min(14, Math.max(10, view.scale))}px system-ui, sans-serif`;
      for (const s of layout.sections) ctx.fillText(s.name, s.x * view.scale + view.x, s.y * view.scale + view.y - 4);
      performance.measure("seat-map:draw", { start, end: performance.now() });
    });
    return () => cancelAnimationFrame(frame);
  }, [layout, seats, palette, colourOf, view, size, focusSeat, focused]);

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
    if (id && canToggle(id)) onToggle(id);
  };
  const canToggle = (id: string) => status.get(id) === "available" || selected.has(id);
  const key = (e: ReactKeyboardEvent<HTMLCanvasElement>) => {
    const dir = ARROWS[e.key];
    const id = seats.ids[focusSeat];
    // The ring shows for keyboard users only: a mouse click focuses the canvas too.
    if (dir || e.key === "Enter" || e.key === " ") setFocused(true);
    if (dir) {
      e.preventDefault();
      const next = neighbour(seats.x, seats.y, focusSeat, dir);
      setFocusSeat(next);
      // Keep the focus seat on screen: pan it back in when it would leave the view.
      const nx = seats.x[next] ?? 0, ny = seats.y[next] ?? 0;
      setView((v) => {
        if (!v) return v;
        const sx = nx * v.scale + v.x, sy = ny * v.scale + v.y, margin = 24;
        if (sx >= margin && sy >= margin && sx <= size.w - margin && sy <= size.h - margin) return v;
        return { ...v, x: size.w / 2 - nx * v.scale, y: size.h / 2 - ny * v.scale };
      });
    } else if ((e.key === "Enter" || e.key === " ") && id) {
      e.preventDefault();
      if (canToggle(id)) onToggle(id);
    }
  };
  const focusId = seats.ids[focusSeat];
  const statusWord = (id: string) => {
    if (selected.has(id)) return t("seatMap.selected");
    const st = status.get(id);
    return t(st === "available" ? "event.available" : st === "held" ? "event.held" : "event.sold");
  };
  const zoom = (factor: number) => setView((v) => (v ? zoomAt(v, factor, size.w / 2, size.h / 2) : v));

  return (
    <div className="relative w-full">
      <canvas ref={canvas} role="img" aria-label={`${t("event.seatMap")}: ${t("event.mapHint")} ${t("seatMap.keyboardHint")}`} data-testid="seat-canvas"
        tabIndex={0} onKeyDown={key} onFocus={(e) => setFocused(e.currentTarget.matches(":focus-visible"))} onBlur={() => setFocused(false)} data-focus-seat={focusId}
        onPointerDown={down} onPointerMove={move} onPointerUp={up} onPointerCancel={() => { drag.current = null; }}
        className="block w-full cursor-pointer touch-none rounded bg-white ring-1 ring-slate-300 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700"
        style={{ height: size.h || 320 }} />
      {/* What the keyboard's focus seat is, in words, for sighted keyboard users (the list picker is the screen-reader path). */}
      <p className={`mt-1 min-h-6 text-sm ${focused ? "" : "invisible"}`} data-testid="seat-focus" aria-hidden={!focused}>
        {focused && focusId ? `${itemWords(focusId, t)}, ${statusWord(focusId)}` : ""}
      </p>
      <div className="absolute right-2 top-2 flex gap-1">
        <button type="button" onClick={() => zoom(1.5)} aria-label={t("event.zoomIn")} className="h-8 w-8 rounded border border-slate-400 bg-white text-lg">+</button>
        <button type="button" onClick={() => zoom(1 / 1.5)} aria-label={t("event.zoomOut")} className="h-8 w-8 rounded border border-slate-400 bg-white text-lg">−</button>
      </div>
    </div>
  );
}
