import { z } from "zod";
import { int } from "./input";

/**
 * Currencies we sell in, with their ISO 4217 minor-unit exponent. Amounts are always integers in
 * the smallest unit: KRW and JPY have none (₩150,000 is 150000), USD/EUR/GBP have two.
 */
export const CURRENCIES = { KRW: 0, JPY: 0, USD: 2, EUR: 2, GBP: 2 } as const;
export type Currency = keyof typeof CURRENCIES;

export const currencySchema = z.enum(Object.keys(CURRENCIES) as [Currency, ...Currency[]]);

/** A price in minor units: an integer from 0 to one hundred million major units or so. */
export const amountSchema = int(0, 1e11);

/** Minor units as a person reads them (₩300,000, $12.50); an unknown currency is taken to have two decimals. */
export function formatMoney(amount: number, currency: string, locale = "ko-KR"): string {
  const code = currency.toUpperCase();
  const parsed = currencySchema.safeParse(code);
  const exponent = parsed.success ? CURRENCIES[parsed.data] : 2;
  return new Intl.NumberFormat(locale, { style: "currency", currency: code }).format(amount / 10 ** exponent);
}
