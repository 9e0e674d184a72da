import { z } from "zod";

/**
 * The error document every 4xx and 5xx carries (RFC 9457, application/problem+json). `code` is
 * the stable part clients branch on; each operation lists, per status, the codes it may answer
 * with. Extra members (`errors`, `unavailable_seats`, …) belong to particular codes; others may
 * be added, so the object stays open.
 */
export const fieldErrorSchema = z.strictObject({
  field: z.string().describe("The offending field (`seat_ids.0`), header (`Idempotency-Key`), or `(body)` for the value as a whole"),
  message: z.string(),
});

export const problemSchema = z.looseObject({
  type: z.url().describe("`https://ticketing.pro/problems/{code}`"),
  title: z.string(),
  status: z.int().min(400).max(599),
  detail: z.string().optional(),
  code: z.string(),
  instance: z.string().optional().describe("The request path"),
  errors: z.array(fieldErrorSchema).optional().describe("With `validation_failed` and `invalid_webhook_payload`: every field at fault"),
  unavailable_seats: z.array(z.string()).optional().describe("With `seats_unavailable` and `unknown_seats`: the seats (or the area) at fault"),
  held_seats: z.int().optional().describe("With `hold_limit_reached`"),
  max_held_seats: z.int().optional().describe("With `hold_limit_reached`"),
  join: z.string().optional().describe("With `queue_required` and `admission_expired`: where to join the waiting room"),
  retry_after_seconds: z.int().optional().describe("With `rate_limited` (also sent as `Retry-After`)"),
}).meta({ id: "Problem", description: "An RFC 9457 problem document with a stable `code`" });

export type ProblemDocument = z.infer<typeof problemSchema>;

/** The problem document of one status, narrowed to the codes an operation may send with it. */
export function problemOf<const S extends number, const C extends readonly [string, ...string[]]>(status: S, codes: C) {
  return problemSchema.and(z.object({ status: z.literal(status), code: z.enum(codes) }));
}
