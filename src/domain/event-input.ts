import { z } from "zod";
import { instant, int, queryInt, text } from "./input";
import { currencySchema } from "./money";
import { seatMapSchema } from "./seat-map";

export const CATEGORIES = ["concert", "sports", "theater", "musical", "exhibition", "festival", "classical", "other"] as const;
export type Category = (typeof CATEGORIES)[number];

const fields = {
  title: text({ min: 1, max: 200 }),
  description: text({ max: 5000, multiline: true }).default(""),
  category: z.enum(CATEGORIES),
  venue: text({ min: 1, max: 200 }),
  location: text({ max: 200 }).default(""),
  start_date: instant(),
  end_date: instant().nullable().optional(),
  currency: currencySchema,
  seat_map: seatMapSchema,
  /** Buyers may refund until this many hours before the start (organizers always may). */
  refund_window_hours: int(0, 24 * 90).default(24),
};

/** Dates must be in order; a new event must start in the future. */
function datesInOrder(b: { start_date?: string; end_date?: string | null }, ctx: z.RefinementCtx): void {
  if (b.start_date && b.end_date && Date.parse(b.end_date) <= Date.parse(b.start_date)) {
    ctx.addIssue({ code: "custom", path: ["end_date"], message: "must be after start_date" });
  }
}

export const createEventSchema = z.strictObject(fields).superRefine((b, ctx) => {
  datesInOrder(b, ctx);
  if (Date.parse(b.start_date) <= Date.now()) ctx.addIssue({ code: "custom", path: ["start_date"], message: "must be in the future" });
});
export type CreateEventInput = z.output<typeof createEventSchema>;

export const updateEventSchema = z.strictObject({
  title: fields.title.optional(), description: text({ max: 5000, multiline: true }).optional(), category: fields.category.optional(),
  venue: fields.venue.optional(), location: text({ max: 200 }).optional(), start_date: fields.start_date.optional(),
  end_date: fields.end_date, currency: currencySchema.optional(), seat_map: seatMapSchema.optional(),
  refund_window_hours: int(0, 24 * 90).optional(),
}).refine((b) => Object.keys(b).length > 0, "nothing to update").superRefine(datesInOrder);
export type UpdateEventInput = z.output<typeof updateEventSchema>;

export const listEventsQuery = z.strictObject({
  category: z.enum(CATEGORIES).optional(),
  from: instant().optional(),
  to: instant().optional(),
  page: queryInt(1, 10_000).default(1),
  page_size: queryInt(1, 100).default(20),
});
