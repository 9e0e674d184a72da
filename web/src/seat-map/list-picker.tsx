import { useId, useState } from "react";
import { useI18n } from "../i18n/i18n";
import { seatId, type Layout } from "./layout";
import type { SeatStatus } from "./seat-canvas";

interface Props {
  layout: Layout;
  status: ReadonlyMap<string, SeatStatus>;
  selected: ReadonlySet<string>;
  onToggle: (seat: string) => void;
  currency: string;
}

/**
 * The seat map for keyboards and screen readers (and anyone who prefers a list): section, then
 * row, then the row's seats as checkboxes that say whether each can be taken.
 */
export function ListPicker({ layout, status, selected, onToggle, currency }: Props) {
  const { t, money } = useI18n();
  const id = useId();
  const [sectionName, setSectionName] = useState(layout.sections[0]?.name ?? "");
  const section = layout.sections.find((s) => s.name === sectionName) ?? layout.sections[0];
  const [rowLabel, setRowLabel] = useState(section?.rows[0]?.label ?? "");
  const row = section?.rows.find((r) => r.label === rowLabel) ?? section?.rows[0];
  if (!section || !row) return null;
  const statusWord = (s: SeatStatus | undefined) => t(s === "available" ? "event.available" : s === "held" ? "event.held" : "event.sold");
  return (
    <fieldset className="rounded-lg border border-slate-300 bg-white p-4">
      <legend className="px-1 font-semibold">{t("event.listPicker")}</legend>
      <div className="mb-3 flex flex-wrap gap-4">
        <div className="flex flex-col gap-1"><label htmlFor={`${id}-section`}>{t("event.section")}</label>
          <select id={`${id}-section`} value={section.name} className="rounded border border-slate-400 bg-white px-2 py-1"
            onChange={(e) => { setSectionName(e.target.value); setRowLabel(layout.sections.find((s) => s.name === e.target.value)?.rows[0]?.label ?? ""); }}>
            {layout.sections.map((s) => <option key={s.name} value={s.name}>{s.name} · {money(s.price, currency)}</option>)}
          </select>
        </div>
        <div className="flex flex-col gap-1"><label htmlFor={`${id}-row`}>{t("event.row")}</label>
          <select id={`${id}-row`} value={row.label} onChange={(e) => setRowLabel(e.target.value)} className="rounded border border-slate-400 bg-white px-2 py-1">
            {section.rows.map((r) => <option key={r.label} value={r.label}>{r.label}</option>)}
          </select>
        </div>
      </div>
      <ul className="flex flex-wrap gap-2" aria-label={`${t("event.section")} ${section.name}, ${t("event.row")} ${row.label}`}>
        {Array.from({ length: row.seats }, (_, i) => {
          const seat = seatId(section.name, row.label, i + 1);
          const s = status.get(seat);
          const mine = selected.has(seat);
          return (
            <li key={seat}>
              <label className={`flex items-center gap-1 rounded border px-2 py-1 text-sm ${mine ? "border-slate-900 bg-slate-900 text-white" : s === "available" ? "border-slate-400" : "border-slate-200 text-slate-600 line-through"}`}>
                <input type="checkbox" checked={mine} disabled={!mine && s !== "available"} onChange={() => onToggle(seat)}
                  aria-label={`${t("event.seatLabel", { section: section.name, row: row.label, seat: i + 1 })}, ${statusWord(s)}`} />
                <span aria-hidden="true">{i + 1}</span>
              </label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
