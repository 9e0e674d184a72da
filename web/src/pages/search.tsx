import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { CATEGORIES } from "../../../src/domain/event-input";
import { searchOperations } from "../../../src/contract/search";
import { call } from "../api/client";
import { buttonClass } from "../components/field";
import { categoryKey, EventCard } from "../components/event-card";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";

const FILTERS = ["q", "category", "from", "to", "min_price", "max_price"] as const;

/** A date input's day as the instant it starts (local time), as the API wants it. */
const dayStart = (day: string | null): string | undefined => (day ? new Date(`${day}T00:00:00`).toISOString() : undefined);
const dayEnd = (day: string | null): string | undefined => (day ? new Date(`${day}T23:59:59.999`).toISOString() : undefined);

/** What has been typed, once typing pauses (one autocomplete call per pause, not per key). */
function useSettled(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => { const id = setTimeout(() => setSettled(value), ms); return () => clearTimeout(id); }, [value, ms]);
  return settled;
}

export function SearchPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [typed, setTyped] = useState(params.get("q") ?? "");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const listId = useId();
  const settled = useSettled(typed.trim(), 200);

  const suggestions = useQuery({
    queryKey: ["autocomplete", settled],
    queryFn: () => call(searchOperations.autocomplete, { query: { q: settled } }),
    enabled: settled.length > 0,
  });
  const hasFilters = FILTERS.some((f) => params.get(f));
  const results = useQuery({
    queryKey: ["search", params.toString()],
    queryFn: () => call(searchOperations.search, { query: {
      q: params.get("q") ?? undefined, category: params.get("category") ?? undefined,
      from: dayStart(params.get("from")), to: dayEnd(params.get("to")),
      min_price: params.get("min_price") ?? undefined, max_price: params.get("max_price") ?? undefined,
    } }),
    enabled: hasFilters,
  });
  const options = open && typed.trim() ? suggestions.data?.suggestions ?? [] : [];

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const f of FILTERS) { const v = String(form.get(f) ?? "").trim(); if (v) next.set(f, v); }
    setOpen(false);
    setParams(next);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown" && options.length) { e.preventDefault(); setOpen(true); setActive((a) => (a + 1) % options.length); }
    else if (e.key === "ArrowUp" && options.length) { e.preventDefault(); setActive((a) => (a <= 0 ? options.length - 1 : a - 1)); }
    else if (e.key === "Escape") setOpen(false);
    else if (e.key === "Enter" && active >= 0 && options[active]) { e.preventDefault(); navigate(`/events/${options[active].event_id}`); }
  };

  return (
    <section>
      <h1 className="mb-4 text-2xl font-bold">{t("search.title")}</h1>
      <form onSubmit={submit} role="search" className="mb-6 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3">
        <div className="relative sm:col-span-3">
          <label htmlFor="search-q" className="font-medium">{t("search.label")}</label>
          <div className="flex gap-2">
            <input id="search-q" name="q" type="search" value={typed} placeholder={t("search.placeholder")} autoComplete="off"
              role="combobox" aria-expanded={options.length > 0} aria-controls={listId} aria-autocomplete="list"
              aria-activedescendant={active >= 0 && options[active] ? `${listId}-${active}` : undefined}
              onChange={(e) => { setTyped(e.target.value); setOpen(true); setActive(-1); }} onKeyDown={onKey}
              onBlur={() => setTimeout(() => setOpen(false), 150)}
              className="flex-1 rounded border border-slate-400 bg-white px-2 py-1" />
            <button type="submit" className={buttonClass}>{t("search.submit")}</button>
          </div>
          <ul id={listId} role="listbox" aria-label={t("search.suggestions")}
            className={options.length ? "absolute z-10 mt-1 w-full rounded border border-slate-300 bg-white shadow" : "hidden"}>
            {options.map((s, i) => (
              <li key={s.event_id} id={`${listId}-${i}`} role="option" aria-selected={i === active}
                onMouseDown={(e) => { e.preventDefault(); navigate(`/events/${s.event_id}`); }}
                className={`cursor-pointer px-2 py-1 ${i === active ? "bg-indigo-100" : ""}`}>{s.title}</li>
            ))}
          </ul>
        </div>
        <label className="flex flex-col gap-1"><span className="font-medium">{t("search.category")}</span>
          <select name="category" defaultValue={params.get("category") ?? ""} className="rounded border border-slate-400 bg-white px-2 py-1">
            <option value="">{t("search.anyCategory")}</option>
            {CATEGORIES.map((c) => <option key={c} value={c}>{t(categoryKey(c))}</option>)}
          </select>
        </label>
        <label className="flex flex-col gap-1"><span className="font-medium">{t("search.from")}</span>
          <input type="date" name="from" defaultValue={params.get("from") ?? ""} className="rounded border border-slate-400 bg-white px-2 py-1" /></label>
        <label className="flex flex-col gap-1"><span className="font-medium">{t("search.to")}</span>
          <input type="date" name="to" defaultValue={params.get("to") ?? ""} className="rounded border border-slate-400 bg-white px-2 py-1" /></label>
        <label className="flex flex-col gap-1"><span className="font-medium">{t("search.minPrice")}</span>
          <input type="number" min={0} name="min_price" defaultValue={params.get("min_price") ?? ""} className="rounded border border-slate-400 bg-white px-2 py-1" /></label>
        <label className="flex flex-col gap-1"><span className="font-medium">{t("search.maxPrice")}</span>
          <input type="number" min={0} name="max_price" defaultValue={params.get("max_price") ?? ""} className="rounded border border-slate-400 bg-white px-2 py-1" /></label>
      </form>
      {results.error && <ProblemMessage error={results.error} onRetry={() => results.refetch()} />}
      {results.isFetching && <p role="status">{t("common.loading")}</p>}
      {results.data && (
        <>
          <h2 className="mb-2 text-xl font-semibold">{t("search.results")}</h2>
          {results.data.results.length === 0 && <p>{t("search.none")}</p>}
          <ul className="grid gap-4 sm:grid-cols-2">
            {results.data.results.map((h) => <EventCard key={h.event_id} event={{ ...h, seatsLeft: h.available_seats }} />)}
          </ul>
        </>
      )}
    </section>
  );
}
