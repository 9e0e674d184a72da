import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useI18n } from "../i18n/i18n";

/** uPlot's tick labels in the page's language: its template says which parts it wants. */
function dateFormatter(locale: string): (template: string) => (date: Date) => string {
  return (template) => {
    const parts: Intl.DateTimeFormatOptions = template.includes("{ss}") ? { hour: "2-digit", minute: "2-digit", second: "2-digit" }
      : template.includes("{mm}") || template.includes("{h}") ? { hour: "2-digit", minute: "2-digit" }
      : { month: "short", day: "numeric" };
    const f = new Intl.DateTimeFormat(locale, { ...parts, hour12: false });
    return (date) => f.format(date);
  };
}

export interface ChartLine { label: string; values: (number | null)[]; colour: string; dash?: boolean }

/**
 * A time chart (uPlot) of a few lines over the same x (seconds since the epoch). uPlot draws on a
 * canvas, which a screen reader cannot read: the figure is labelled, the legend is ours (text), and
 * the latest values are said in words next to it. `data-points` carries the number of points drawn.
 */
export function TimeChart({ id, title, x, lines, height = 180 }: { id: string; title: string; x: number[]; lines: ChartLine[]; height?: number }) {
  const { lang } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = lines.map((l) => `${l.label}:${l.colour}:${l.dash ? 1 : 0}`).join("|");

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const u = new uPlot({
      width: Math.max(200, el.clientWidth), height,
      legend: { show: false },
      fmtDate: dateFormatter(lang === "ko" ? "ko-KR" : "en-GB"),
      cursor: { show: true, drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{ stroke: "#334155" }, { stroke: "#334155", size: 60 }],
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.colour, width: 2, spanGaps: true, ...(l.dash ? { dash: [6, 4] } : {}) }))],
    }, [x, ...lines.map((l) => l.values)], el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when its lines change; new data goes through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height, lang]);

  useEffect(() => {
    plot.current?.setData([x, ...lines.map((l) => l.values)]);
  }, [x, lines]);

  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" aria-labelledby={`${id}-title`} data-testid={`chart-${id}`} data-points={x.length}>
      <figcaption id={`${id}-title`} className="mb-1 font-semibold">{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
      <ul className="mt-1 flex flex-wrap gap-3 text-sm text-slate-800">
        {lines.map((l, i) => (
          <li key={l.label} className="flex items-center gap-1">
            <svg width="16" height="4" aria-hidden="true"><line x1="0" y1="2" x2="16" y2="2" stroke={l.colour} strokeWidth="3" strokeDasharray={l.dash ? "4 2" : undefined} /></svg>
            {l.label}: <span data-testid={`chart-${id}-line-${i}`}>{l.values.at(-1) ?? "–"}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
