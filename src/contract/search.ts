import { z } from "zod";
import { autocompleteQuery, searchQuery } from "../domain/search-input";
import { amountOut, count, idOut, instantOut } from "./common";
import { json, operation, problem, rateLimited, withDatabase } from "./operation";

/** Search over published events (Korean and English, typo tolerant): /api/search. */

export const searchHitSchema = z.strictObject({
  event_id: idOut,
  title: z.string(),
  description: z.string(),
  venue: z.string(),
  location: z.string(),
  category: z.string(),
  start_date: instantOut,
  currency: z.string(),
  min_price: amountOut,
  max_price: amountOut,
  available_seats: count.nullable(),
  score: z.number(),
}).meta({ id: "SearchHit" });

export const searchResultsSchema = z.strictObject({ results: z.array(searchHitSchema), page: z.int().min(1), page_size: z.int().min(1) });
export const suggestionsSchema = z.strictObject({ suggestions: z.array(z.strictObject({ event_id: idOut, title: z.string() })) });

const TAGS = ["Search"];
const failures = { 422: problem(422, ["validation_failed"]), ...rateLimited, ...withDatabase };

export const searchOperations = {
  search: operation({
    method: "get", path: "/api/search", operationId: "search", tags: TAGS,
    summary: "Ranked search of published events: words, prefixes and near-misses, with filters",
    description: "Rate limited per IP.",
    request: { query: searchQuery },
    responses: { 200: json(searchResultsSchema, "A page of hits, best first"), ...failures },
  }),
  autocomplete: operation({
    method: "get", path: "/api/search/autocomplete", operationId: "autocomplete", tags: TAGS,
    summary: "Title suggestions for what has been typed so far",
    request: { query: autocompleteQuery },
    responses: { 200: json(suggestionsSchema, "Suggestions, best first"), ...failures },
  }),
};
