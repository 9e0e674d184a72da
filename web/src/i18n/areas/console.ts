import { defineMessages } from "../define";

/** The organizer's console: events, seat-map builder, sales. */
export const console = defineMessages({}, {});
