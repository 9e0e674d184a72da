import { defineMessages } from "../define";

/** Paying, the queue page and refunds. */
export const checkout = defineMessages({}, {});
