import type { InputHTMLAttributes, Ref } from "react";

/** A labelled input with its hint and error tied to it for screen readers. */
export function Field({ label, hint, error, id, ref, ...input }: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string; error?: string | undefined; id: string; ref?: Ref<HTMLInputElement> }) {
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className="mb-3 flex flex-col gap-1">
      <label htmlFor={id} className="font-medium">{label}</label>
      <input id={id} ref={ref} aria-invalid={error ? true : undefined} aria-describedby={described} {...input}
        className="rounded border border-slate-400 bg-white px-2 py-1" />
      {hint && <span id={`${id}-hint`} className="text-sm text-slate-700">{hint}</span>}
      {error && <span id={`${id}-error`} className="text-sm text-red-800">{error}</span>}
    </div>
  );
}

export const buttonClass = "rounded bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800 disabled:opacity-60";
