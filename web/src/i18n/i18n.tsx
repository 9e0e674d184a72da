import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { LANGUAGES, MESSAGES, type Language, type MessageKey } from "./messages";

const STORAGE_KEY = "tp.lang";

/** Fills `{name}` placeholders. */
export const format = (text: string, vars: Record<string, string | number> = {}): string =>
  text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));

const stored = (): Language => {
  const v = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.find((l) => l === v) ?? "ko"; // Korean unless the fan chose otherwise
};

interface I18n {
  lang: Language;
  setLang: (l: Language) => void;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  money: (amount: number, currency: string) => string;
  date: (iso: string) => string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Language>(stored);
  useEffect(() => { document.documentElement.lang = lang; }, [lang]);
  const setLang = useCallback((l: Language) => { localStorage.setItem(STORAGE_KEY, l); setLangState(l); }, []);
  const value = useMemo<I18n>(() => {
    const locale = lang === "ko" ? "ko-KR" : "en-US";
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
    return {
      lang, setLang,
      t: (key, vars) => format(MESSAGES[lang][key], vars),
      // Amounts are minor units; Intl knows each currency's digits (KRW has none).
      money: (amount, currency) => {
        const f = new Intl.NumberFormat(locale, { style: "currency", currency });
        const digits = f.resolvedOptions().maximumFractionDigits ?? 0;
        return f.format(amount / 10 ** digits);
      },
      date: (iso) => dates.format(new Date(iso)),
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error("useI18n outside I18nProvider");
  return v;
}
