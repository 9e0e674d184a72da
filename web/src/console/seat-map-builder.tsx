import { useCallback, useMemo, useState, type ChangeEvent, type ReactNode } from "react";
import { useI18n } from "../i18n/i18n";
import { SOLD, tiersOf } from "../seat-map/colours";
import { layoutSeatMap } from "../seat-map/layout";
import { SeatCanvas, type SeatStatus } from "../seat-map/seat-canvas";
import {
  evenRows, fromSeatMap, importSeatMap, isEven, newId, seatCount, standingCount, toSeatMap, type BuilderModel, type SeatMapValue,
} from "./builder-model";

interface Props {
  model: BuilderModel;
  onChange: (m: BuilderModel) => void;
  /** The form's error for a path under seat_map (`sections.0.name`), from the API's schema. */
  errorAt: (path: string) => string | undefined;
  locked: boolean;
  currency: string;
  tierName: (i: number) => string;
}

const input = "w-full rounded border border-slate-400 bg-white px-2 py-1 disabled:bg-slate-100";
const smallButton = "rounded border border-slate-500 px-2 py-1 text-sm hover:bg-slate-100 disabled:opacity-60";

/** A labelled control with its error under it, tied together for screen readers. */
function Cell({ id, label, error, children }: { id: string; label: string; error?: string | undefined; children: (describedBy: string | undefined) => ReactNode }) {
  return (
    <div className="flex min-w-24 flex-1 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">{label}</label>
      {children(error ? `${id}-error` : undefined)}
      {error && <span id={`${id}-error`} className="text-sm text-red-800">{error}</span>}
    </div>
  );
}

const numberFrom = (e: ChangeEvent<HTMLInputElement>) => (e.target.value === "" ? Number.NaN : Number(e.target.value));

/** Sections of rows x seats and standing areas, each on a price tier; import and export as JSON; the fan's renderer as preview. */
export function SeatMapBuilder({ model, onChange, errorAt, locked, currency, tierName }: Props) {
  const { t, money } = useI18n();
  const map = useMemo(() => toSeatMap(model), [model]);
  const set = (patch: Partial<BuilderModel>) => onChange({ ...model, ...patch });
  const firstTier = model.tiers[0]?.id ?? "";

  const tierSelect = (id: string, value: string, onPick: (v: string) => void) => (
    <select id={id} value={value} disabled={locked} onChange={(e) => onPick(e.target.value)} className={input}>
      {model.tiers.map((tier) => <option key={tier.id} value={tier.id}>{tier.name} · {Number.isFinite(tier.price) ? money(tier.price, currency) : "?"}</option>)}
    </select>
  );

  return (
    <fieldset className="mb-6 rounded-lg border border-slate-300 bg-white p-4" disabled={locked}>
      <legend className="px-1 text-lg font-semibold">{t("console.builder.title")}</legend>
      {locked && <p className="mb-3 text-slate-800">{t("console.editor.locked")}</p>}

      <h3 className="mb-2 font-semibold">{t("console.builder.tiers")}</h3>
      <ul className="mb-2 grid gap-2">
        {model.tiers.map((tier, i) => (
          <li key={tier.id} className="flex flex-wrap items-end gap-2" data-testid="tier">
            <Cell id={`tier-${tier.id}-name`} label={t("console.builder.tierName")}>
              {(d) => <input id={`tier-${tier.id}-name`} aria-describedby={d} className={input} value={tier.name}
                onChange={(e) => set({ tiers: model.tiers.map((x) => (x.id === tier.id ? { ...x, name: e.target.value } : x)) })} />}
            </Cell>
            <Cell id={`tier-${tier.id}-price`} label={`${t("console.builder.price")} (${currency})`}>
              {(d) => <input id={`tier-${tier.id}-price`} aria-describedby={d} className={input} type="number" min={0} inputMode="numeric" value={Number.isFinite(tier.price) ? tier.price : ""}
                onChange={(e) => set({ tiers: model.tiers.map((x) => (x.id === tier.id ? { ...x, price: numberFrom(e) } : x)) })} />}
            </Cell>
            <button type="button" className={smallButton} aria-label={t("console.builder.removeNamed", { name: tier.name || String(i + 1) })}
              disabled={model.tiers.length <= 1 || [...model.sections, ...model.areas].some((s) => s.tierId === tier.id)}
              onClick={() => set({ tiers: model.tiers.filter((x) => x.id !== tier.id) })}>{t("console.builder.remove")}</button>
          </li>
        ))}
      </ul>
      <button type="button" className={`${smallButton} mb-4`} onClick={() => set({ tiers: [...model.tiers, { id: newId("tier"), name: tierName(model.tiers.length), price: 50000 }] })}>{t("console.builder.addTier")}</button>

      <h3 className="mb-2 font-semibold">{t("console.builder.sections")}</h3>
      <ul className="mb-2 grid gap-3">
        {model.sections.map((s, i) => {
          const even = isEven(s.rows);
          const update = (patch: Partial<typeof s>) => set({ sections: model.sections.map((x) => (x.id === s.id ? { ...x, ...patch } : x)) });
          return (
            <li key={s.id} className="rounded border border-slate-200 p-2" data-testid="section">
              <div className="flex flex-wrap items-end gap-2">
                <Cell id={`section-${s.id}-name`} label={t("console.builder.sectionName")} error={errorAt(`sections.${i}.name`)}>
                  {(d) => <input id={`section-${s.id}-name`} aria-describedby={d} aria-invalid={d ? true : undefined} className={input} value={s.name} onChange={(e) => update({ name: e.target.value })} />}
                </Cell>
                <Cell id={`section-${s.id}-tier`} label={t("console.builder.tier")} error={errorAt(`sections.${i}.price`)}>
                  {() => tierSelect(`section-${s.id}-tier`, s.tierId, (v) => update({ tierId: v }))}
                </Cell>
                <Cell id={`section-${s.id}-rows`} label={t("console.builder.rows")} error={errorAt(`sections.${i}.rows`)}>
                  {(d) => <input id={`section-${s.id}-rows`} aria-describedby={d} className={input} type="number" min={1} max={200} value={s.rows.length}
                    onChange={(e) => update({ rows: evenRows(Math.min(200, numberFrom(e) || 0), s.rows[0]?.seats ?? 10) })} />}
                </Cell>
                <Cell id={`section-${s.id}-seats`} label={t("console.builder.seatsPerRow")} error={errorAt(`sections.${i}.rows.0.seats`)}>
                  {(d) => <input id={`section-${s.id}-seats`} aria-describedby={d} className={input} type="number" min={1} max={500} value={Number.isFinite(s.rows[0]?.seats) ? s.rows[0]?.seats : ""}
                    onChange={(e) => update({ rows: evenRows(s.rows.length || 1, numberFrom(e)) })} />}
                </Cell>
                <button type="button" className={smallButton} aria-label={t("console.builder.removeNamed", { name: s.name || String(i + 1) })}
                  onClick={() => set({ sections: model.sections.filter((x) => x.id !== s.id) })}>{t("console.builder.remove")}</button>
              </div>
              {!even && <p className="mt-1 text-sm text-slate-800">{t("console.builder.customRows", { n: s.rows.length, seats: s.rows.reduce((n, r) => n + r.seats, 0) })}</p>}
            </li>
          );
        })}
      </ul>
      {errorAt("sections") && <p className="mb-2 text-sm text-red-800" role="alert">{errorAt("sections")}</p>}
      <button type="button" className={`${smallButton} mb-4`}
        onClick={() => set({ sections: [...model.sections, { id: newId("section"), name: String.fromCharCode(65 + (model.sections.length % 26)), tierId: firstTier, rows: evenRows(5, 10) }] })}>
        {t("console.builder.addSection")}</button>

      <h3 className="mb-2 font-semibold">{t("console.builder.areas")}</h3>
      <ul className="mb-2 grid gap-3">
        {model.areas.map((a, i) => {
          const update = (patch: Partial<typeof a>) => set({ areas: model.areas.map((x) => (x.id === a.id ? { ...x, ...patch } : x)) });
          return (
            <li key={a.id} className="flex flex-wrap items-end gap-2 rounded border border-slate-200 p-2" data-testid="area">
              <Cell id={`area-${a.id}-name`} label={t("console.builder.areaName")} error={errorAt(`areas.${i}.name`)}>
                {(d) => <input id={`area-${a.id}-name`} aria-describedby={d} aria-invalid={d ? true : undefined} className={input} value={a.name} onChange={(e) => update({ name: e.target.value })} />}
              </Cell>
              <Cell id={`area-${a.id}-tier`} label={t("console.builder.tier")} error={errorAt(`areas.${i}.price`)}>
                {() => tierSelect(`area-${a.id}-tier`, a.tierId, (v) => update({ tierId: v }))}
              </Cell>
              <Cell id={`area-${a.id}-capacity`} label={t("console.builder.capacity")} error={errorAt(`areas.${i}.capacity`)}>
                {(d) => <input id={`area-${a.id}-capacity`} aria-describedby={d} className={input} type="number" min={1} value={Number.isFinite(a.capacity) ? a.capacity : ""} onChange={(e) => update({ capacity: numberFrom(e) })} />}
              </Cell>
              <button type="button" className={smallButton} aria-label={t("console.builder.removeNamed", { name: a.name || String(i + 1) })}
                onClick={() => set({ areas: model.areas.filter((x) => x.id !== a.id) })}>{t("console.builder.remove")}</button>
            </li>
          );
        })}
      </ul>
      <button type="button" className={`${smallButton} mb-4`}
        onClick={() => set({ areas: [...model.areas, { id: newId("area"), name: `GA${model.areas.length + 1}`, tierId: model.tiers.at(-1)?.id ?? firstTier, capacity: 100 }] })}>
        {t("console.builder.addArea")}</button>

      <p className="mb-4 font-medium" data-testid="builder-total">{t("console.builder.total", { seats: seatCount(map), standing: standingCount(map) })}</p>
      <ImportExport map={map} locked={locked} onImport={(m) => onChange(fromSeatMap(m, tierName))} />
      <Preview map={map} currency={currency} />
    </fieldset>
  );
}

function ImportExport({ map, locked, onImport }: { map: SeatMapValue; locked: boolean; onImport: (m: SeatMapValue) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const [result, setResult] = useState<{ ok: true } | { ok: false; lines: string[] } | null>(null);
  const run = (source: string) => {
    const r = importSeatMap(source);
    if (r.ok) {
      onImport(r.map);
      setResult({ ok: true });
    } else setResult({ ok: false, lines: "notJson" in r ? [t("console.builder.importNotJson")] : r.errors.map((e) => `${e.path}: ${e.message}`) });
  };
  const file = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (!f) return;
    const content = await f.text();
    setText(content);
    run(content);
  };
  const exportJson = () => {
    const url = URL.createObjectURL(new Blob([JSON.stringify(map, null, 2)], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "seat-map.json";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <div className="mb-4 rounded border border-slate-200 p-3">
      <h3 className="mb-2 font-semibold">{t(locked ? "console.builder.export" : "console.builder.import")}</h3>
      {!locked && (
        <>
          <label htmlFor="seat-map-json" className="mb-1 block text-sm font-medium">{t("console.builder.importLabel")}</label>
          <textarea id="seat-map-json" value={text} onChange={(e) => setText(e.target.value)} rows={4}
            aria-describedby={result && !result.ok ? "seat-map-json-errors" : undefined}
            className="mb-2 w-full rounded border border-slate-400 bg-white px-2 py-1 font-mono text-sm" />
          <div className="mb-2 flex flex-wrap items-center gap-2">
            <button type="button" className={smallButton} onClick={() => run(text)}>{t("console.builder.importButton")}</button>
            <label className="text-sm">{t("console.builder.importFile")} <input type="file" accept="application/json,.json" onChange={file} className="text-sm" /></label>
          </div>
        </>
      )}
      {result?.ok && <p role="status" className="text-green-800">{t("console.builder.imported")}</p>}
      {result && !result.ok && (
        <div role="alert" id="seat-map-json-errors" className="text-red-800">
          <p>{t("console.builder.importErrors")}</p>
          <ul className="list-disc pl-5" data-testid="import-errors">{result.lines.map((l) => <li key={l}>{l}</li>)}</ul>
        </div>
      )}
      <button type="button" className={smallButton} onClick={exportJson}>{t("console.builder.export")}</button>
    </div>
  );
}

const noSelection: ReadonlySet<string> = new Set();
const noop = () => undefined;

/** The map drawn by the fan's own renderer, every seat available, in its tier's colour. */
function Preview({ map, currency }: { map: SeatMapValue; currency: string }) {
  const { t, money } = useI18n();
  // Only a drawable map: names and sizes the renderer can lay out (the form's errors say what is wrong).
  const drawable = useMemo(() => ({ sections: map.sections.filter((s) => s.rows.length > 0 && s.rows.every((r) => Number.isInteger(r.seats) && r.seats > 0 && r.seats <= 500)), areas: map.areas }), [map]);
  const layout = useMemo(() => layoutSeatMap(drawable), [drawable]);
  const status = useMemo(() => {
    const m = new Map<string, SeatStatus>();
    for (const s of drawable.sections) s.rows.forEach((r) => { for (let n = 1; n <= r.seats; n++) m.set(`${s.name}-${r.label}-${n}`, "available"); });
    return m;
  }, [drawable]);
  const tiers = useMemo(() => tiersOf([...map.sections.map((s) => s.price), ...map.areas.map((a) => a.price)]), [map]);
  const tierColour = useCallback((price: number) => tiers.find((x) => x.price === price)?.colour ?? SOLD, [tiers]);
  return (
    <section aria-labelledby="builder-preview" data-testid="builder-preview">
      <h3 id="builder-preview" className="mb-2 font-semibold">{t("console.builder.preview")}</h3>
      {drawable.sections.length > 0 && <SeatCanvas layout={layout} status={status} tierColour={tierColour} selected={noSelection} onToggle={noop} />}
      {map.areas.length > 0 && (
        <ul className="mt-2 flex flex-wrap gap-2">
          {map.areas.map((a) => (
            <li key={a.name} className="rounded border border-slate-300 px-2 py-1" style={{ borderLeft: `6px solid ${tierColour(a.price)}` }}>
              {t("console.builder.previewAreas")} {a.name} · {Number.isFinite(a.capacity) ? a.capacity : "?"} · {Number.isFinite(a.price) ? money(a.price, currency) : "?"}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
