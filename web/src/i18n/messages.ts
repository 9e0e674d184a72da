/**
 * Every string the app shows, in Korean (the default) and English, one module per area so the
 * areas can grow apart. A key missing in English, or used but defined nowhere, is a type error.
 */
import { checkout } from "./areas/checkout";
import { console as consoleArea } from "./areas/console";
import { fan } from "./areas/fan";
import { gate } from "./areas/gate";
import { live } from "./areas/live";
import { wallet } from "./areas/wallet";

const ko = { ...fan.ko, ...checkout.ko, ...wallet.ko, ...consoleArea.ko, ...live.ko, ...gate.ko };
export type MessageKey = keyof typeof ko;
const en: Record<MessageKey, string> = { ...fan.en, ...checkout.en, ...wallet.en, ...consoleArea.en, ...live.en, ...gate.en };

export const LANGUAGES = ["ko", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export const MESSAGES: Record<Language, Record<MessageKey, string>> = { ko, en };
