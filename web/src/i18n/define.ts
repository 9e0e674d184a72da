/** One area's strings in Korean (the default) and English; a key missing in English is a type error. */
export const defineMessages = <K extends string>(ko: Record<K, string>, en: NoInfer<Record<K, string>>) => ({ ko, en });
