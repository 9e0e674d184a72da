import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Controller, get, useForm } from "react-hook-form";
import type { z } from "zod";
import { createEventSchema, updateEventSchema } from "../../../src/domain/event-input";
import { CATEGORIES } from "../../../src/domain/event-input";
import { CURRENCIES } from "../../../src/domain/money";
import { eventOperations } from "../../../src/contract/events";
import { call, type Answer } from "../api/client";
import { ApiError } from "../api/problem";
import { buttonClass } from "../components/field";
import { categoryKey } from "../components/event-card";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { evenRows, fromSeatMap, newId, toSeatMap, type BuilderModel } from "./builder-model";
import { SeatMapBuilder } from "./seat-map-builder";

export type ConsoleEvent = Answer<typeof eventOperations.get>;
type FormIn = z.input<typeof createEventSchema>;

const CURRENCY_CODES = Object.keys(CURRENCIES);
const fieldClass = "w-full rounded border border-slate-400 bg-white px-2 py-1 disabled:bg-slate-100";

/** ISO instant ⇄ the `datetime-local` input's local wall time. */
const toLocal = (iso: string | null | undefined) => {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (local: string) => (local ? new Date(local).toISOString() : "");

const starter = (tierName: (i: number) => string): BuilderModel => {
  const vip = { id: newId("tier"), name: tierName(0), price: 150000 };
  const std = { id: newId("tier"), name: tierName(1), price: 99000 };
  return { tiers: [vip, std], sections: [{ id: newId("section"), name: "A", tierId: vip.id, rows: evenRows(5, 10) }], areas: [] };
};

/**
 * The event form: every field the API takes, validated by React Hook Form over the API's own
 * schema (createEventSchema for a new event, updateEventSchema for a change), so the browser
 * refuses exactly what the API would; the API's own 422 is shown per field too.
 */
export function EventEditor({ event, onSaved }: { event: ConsoleEvent | null; onSaved: (e: ConsoleEvent) => void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const tierName = (i: number) => `${t("console.builder.tier")} ${i + 1}`;
  const [model, setModel] = useState<BuilderModel>(() => (event ? fromSeatMap(event.seat_map, tierName) : starter(tierName)));
  const locked = !!event && event.status !== "draft";
  const cancelled = event?.status === "cancelled";
  const form = useForm<FormIn>({
    // One resolver type for both: a change takes the same fields, each optional.
    resolver: zodResolver(event ? updateEventSchema : createEventSchema) as ReturnType<typeof zodResolver<FormIn, unknown, FormIn>>,
    defaultValues: {
      title: event?.title ?? "", description: event?.description ?? "", category: event?.category ?? "concert", venue: event?.venue ?? "",
      location: event?.location ?? "", start_date: event?.start_date ?? "", end_date: event?.end_date ?? null, currency: event?.currency ?? "KRW",
      refund_window_hours: event?.refund_window_hours ?? 24, seat_map: toSeatMap(model),
    },
  });
  const { register, handleSubmit, formState: { errors, isSubmitted }, setValue, setError, watch, control } = form;
  const changeModel = (m: BuilderModel) => {
    setModel(m);
    setValue("seat_map", toSeatMap(m), { shouldValidate: isSubmitted, shouldDirty: true });
  };
  const save = useMutation({
    mutationFn: (values: FormIn) => {
      if (!event) return call(eventOperations.create, { auth: true, body: values });
      // Once on sale the seat map and currency are fixed: the API refuses them even unchanged.
      const { seat_map, currency, ...rest } = values;
      return call(eventOperations.update, { auth: true, params: { id: event.event_id }, body: locked ? rest : { ...rest, seat_map, currency } });
    },
    onSuccess: (saved) => {
      queries.setQueryData(["console-event", saved.event_id], saved);
      void queries.invalidateQueries({ queryKey: ["organizer-events"] });
      onSaved(saved);
    },
    onError: (e) => {
      // The API's field errors go next to their fields.
      if (e instanceof ApiError && Array.isArray(e.problem?.errors)) {
        for (const x of e.problem.errors) setError(x.field.replace(/^body\./, "") as keyof FormIn, { message: x.message });
      }
    },
  });
  const err = (path: string): string | undefined => {
    const found: unknown = get(errors, path);
    if (!found || typeof found !== "object") return undefined;
    const { message, root } = found as { message?: unknown; root?: { message?: unknown } };
    return typeof message === "string" ? message : typeof root?.message === "string" ? root.message : undefined;
  };
  const described = (name: string) => (err(name) ? `event-${name}-error` : undefined);
  const fieldError = (name: string) => err(name) && <span id={`event-${name}-error`} className="text-sm text-red-800">{err(name)}</span>;
  const text = (name: "title" | "venue" | "location", label: string) => (
    <div className="flex flex-col gap-1">
      <label htmlFor={`event-${name}`} className="font-medium">{label}</label>
      <input id={`event-${name}`} {...register(name)} aria-invalid={err(name) ? true : undefined} aria-describedby={described(name)} className={fieldClass} disabled={cancelled} />
      {fieldError(name)}
    </div>
  );
  const currency = watch("currency") ?? "KRW";

  return (
    <form onSubmit={handleSubmit((v) => save.mutate(v))} noValidate>
      <fieldset className="mb-6 grid gap-3 rounded-lg border border-slate-300 bg-white p-4 sm:grid-cols-2" disabled={cancelled}>
        <legend className="px-1 text-lg font-semibold">{t("console.editor.details")}</legend>
        {text("title", t("console.editor.title"))}
        <div className="flex flex-col gap-1">
          <label htmlFor="event-category" className="font-medium">{t("console.editor.category")}</label>
          <select id="event-category" {...register("category")} className={fieldClass}>
            {CATEGORIES.map((c) => <option key={c} value={c}>{t(categoryKey(c))}</option>)}
          </select>
        </div>
        <div className="flex flex-col gap-1 sm:col-span-2">
          <label htmlFor="event-description" className="font-medium">{t("console.editor.description")}</label>
          <textarea id="event-description" rows={3} {...register("description")} aria-describedby={described("description")} className={fieldClass} />
          {fieldError("description")}
        </div>
        {text("venue", t("console.editor.venue"))}
        {text("location", t("console.editor.location"))}
        {(["start_date", "end_date"] as const).map((name) => (
          <div key={name} className="flex flex-col gap-1">
            <label htmlFor={`event-${name}`} className="font-medium">{t(name === "start_date" ? "console.editor.start" : "console.editor.end")}</label>
            <Controller control={control} name={name} render={({ field }) => (
              <input id={`event-${name}`} type="datetime-local" value={toLocal(field.value)} onBlur={field.onBlur} className={fieldClass}
                aria-invalid={err(name) ? true : undefined} aria-describedby={described(name)}
                onChange={(e) => field.onChange(name === "end_date" ? fromLocal(e.target.value) || null : fromLocal(e.target.value))} />
            )} />
            {fieldError(name)}
          </div>
        ))}
        <div className="flex flex-col gap-1">
          <label htmlFor="event-currency" className="font-medium">{t("console.editor.currency")}</label>
          <select id="event-currency" {...register("currency")} disabled={locked} className={fieldClass}>
            {CURRENCY_CODES.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="event-refund" className="font-medium">{t("console.editor.refundWindow")}</label>
          <input id="event-refund" type="number" min={0} {...register("refund_window_hours", { valueAsNumber: true })}
            aria-invalid={err("refund_window_hours") ? true : undefined} aria-describedby={described("refund_window_hours")} className={fieldClass} />
          {fieldError("refund_window_hours")}
        </div>
      </fieldset>
      <SeatMapBuilder model={model} onChange={changeModel} errorAt={(p) => err(`seat_map.${p}`)} locked={locked || cancelled} currency={currency} tierName={tierName} />
      {Object.keys(errors).length > 0 && <p role="alert" className="mb-2 text-red-800">{t("console.editor.invalid")}</p>}
      {save.error && !(save.error instanceof ApiError && save.error.status === 422) && <ProblemMessage error={save.error} onRetry={() => save.reset()} />}
      {save.isSuccess && <p role="status" className="mb-2 text-green-800">{t("console.editor.saved")}</p>}
      {!cancelled && <button type="submit" className={buttonClass} disabled={save.isPending}>{event ? t("console.editor.save") : t("console.editor.create")}</button>}
    </form>
  );
}
