import { defineMessages } from "../define";

/** The ticket wallet and the rotating code. */
export const wallet = defineMessages({}, {});
