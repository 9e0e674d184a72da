import type { MessageKey } from "../i18n/messages";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** The seat or area place in words: `A-1-3` → "A구역 1열 3번", `FLOOR#2` → "FLOOR 입장 2". */
export function itemWords(itemId: string, t: T): string {
  const seat = /^(.+)-([^-]+)-(\d+)$/.exec(itemId);
  if (seat) return t("event.seatLabel", { section: seat[1] ?? "", row: seat[2] ?? "", seat: seat[3] ?? "" });
  const place = /^(.+)#(\d+)$/.exec(itemId);
  if (place) return t("wallet.areaPlace", { area: place[1] ?? "", n: place[2] ?? "" });
  return itemId;
}
