import { z } from "zod";
import { currencySchema } from "./money";
import { seatMapSchema } from "./seat-map";

export const CATEGORIES = ["concert", "sports", "theater", "musical", "exhibition", "festival", "classical", "other"] as const;

const fields = {
  title: z.string().trim().min(1, "must not be empty").max(200),
  description: z.string().max(5000).default(""),
  category: z.enum(CATEGORIES),
  venue: z.string().trim().min(1, "must not be empty").max(200),
  location: z.string().trim().max(200).default(""),
  start_date: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }),
  end_date: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).nullable().optional(),
  currency: currencySchema,
  seat_map: seatMapSchema,
  /** Buyers may refund until this many hours before the start (organizers always may). */
  refund_window_hours: z.number().int().min(0).max(24 * 90).default(24),
};

/** Dates must be in order; a new event must start in the future. */
function datesInOrder(b: { start_date?: string; end_date?: string | null }, ctx: z.RefinementCtx): void {
  if (b.start_date && b.end_date && Date.parse(b.end_date) <= Date.parse(b.start_date)) {
    ctx.addIssue({ code: "custom", path: ["end_date"], message: "must be after start_date" });
  }
}

export const createEventSchema = z.object(fields).superRefine((b, ctx) => {
  datesInOrder(b, ctx);
  if (Date.parse(b.start_date) <= Date.now()) ctx.addIssue({ code: "custom", path: ["start_date"], message: "must be in the future" });
});
export type CreateEventInput = z.output<typeof createEventSchema>;

export const updateEventSchema = z.object({
  title: fields.title.optional(), description: z.string().max(5000).optional(), category: fields.category.optional(),
  venue: fields.venue.optional(), location: z.string().trim().max(200).optional(), start_date: fields.start_date.optional(),
  end_date: fields.end_date, currency: currencySchema.optional(), seat_map: seatMapSchema.optional(),
  refund_window_hours: z.number().int().min(0).max(24 * 90).optional(),
}).strict().refine((b) => Object.keys(b).length > 0, "nothing to update").superRefine(datesInOrder);
export type UpdateEventInput = z.output<typeof updateEventSchema>;

export const listEventsQuery = z.object({
  category: z.enum(CATEGORIES).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});
