import { z } from "zod";
import { CATEGORIES } from "./event-input";
import { instant, queryInt, text } from "./input";

/** Query strings of /api/search. Prices are bounded by what an amount may be. */
const price = queryInt(0, 1e11);

export const searchQuery = z.strictObject({
  q: text({ max: 100 }).optional(),
  category: z.enum(CATEGORIES).optional(),
  min_price: price.optional(),
  max_price: price.optional(),
  from: instant().optional(),
  to: instant().optional(),
  page: queryInt(1, 1000).default(1),
  page_size: queryInt(1, 50).default(20),
});

export const autocompleteQuery = z.strictObject({ q: text({ min: 1, max: 50 }), limit: queryInt(1, 20).default(8) });
