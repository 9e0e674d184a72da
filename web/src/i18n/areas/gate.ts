import { defineMessages } from "../define";

/** The gate scanner for staff. */
export const gate = defineMessages({}, {});
