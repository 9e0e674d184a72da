import { defineMessages } from "../define";

/** The organizer's live on-sale and check-in dashboards. */
export const live = defineMessages({}, {});
