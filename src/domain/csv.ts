/**
 * CSV (RFC 4180) for spreadsheets people open: every cell quoted when it must be, and text that
 * a spreadsheet would run as a formula (a cell starting with = + - @, or a tab or carriage return
 * that some strip before looking) prefixed with an apostrophe, so a buyer's name or e-mail can
 * never become `=HYPERLINK(…)` in the organizer's sheet. Numbers we write ourselves are left as is.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvValue = string | number | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll("\"", "\"\"")}"` : safe;
}

/** One line, CRLF-terminated as RFC 4180 says. */
export const csvLine = (cells: CsvValue[]): string => `${cells.map(csvCell).join(",")}\r\n`;
