import { z } from "zod";

/**
 * The building blocks every request schema is made of, so one rule covers every field: user
 * text that Postgres, SQLite, logs and e-mails can all carry as is; integers that fit the
 * columns; instants Postgres can store; ids that are real UUIDs. Nothing is silently changed
 * except what is documented here (single-line text is trimmed at its ends; UUIDs are lowercased,
 * their canonical form, so one event never maps to two Durable Objects).
 */

/**
 * Well-formed UTF-16 with no control characters: no C0 (NUL among them: Postgres refuses it in
 * text), no DEL, no C1, and no unpaired surrogate (it would be stored as U+FFFD, silently).
 * Multi-line text may also hold tab, LF and CR.
 */
const SINGLE_LINE = /^(?:[^\u0000-\u001f\u007f-\u009f\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;
const MULTI_LINE = /^(?:[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;
const CONTROL_MESSAGE = "must not contain control characters or unpaired surrogates";

export interface TextOptions {
  max: number;
  min?: number;
  /** Allows tab, LF and CR (descriptions); single-line text refuses them. */
  multiline?: boolean;
  /** Single-line text is trimmed at its ends unless this is false (passwords, secrets). */
  trim?: boolean;
}

/** User text: the one schema for every free-text field and query value. */
export function text({ max, min = 0, multiline = false, trim = !multiline }: TextOptions) {
  // Control characters are refused as sent, before trimming: a vertical tab at the end is an error, not whitespace.
  const checked = z.string().regex(multiline ? MULTI_LINE : SINGLE_LINE, CONTROL_MESSAGE);
  const base = trim ? checked.trim() : checked;
  const sized = min > 0 ? base.min(min, min === 1 ? "must not be empty" : `must be at least ${min} characters`) : base;
  return sized.max(max, `must be at most ${max} characters`);
}

/** An integer in [min, max]; -0 is refused too (it is not what any client means to send). */
export function int(min: number, max: number) {
  return z.number().int("must be an integer").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)
    .refine((n) => !Object.is(n, -0), "must not be negative zero");
}

/** An integer sent as a query-string value: digits only, no exponent, sign, spaces or hex. */
export function queryInt(min: number, max: number) {
  return z.string().regex(/^[0-9]{1,16}$/, "must be a whole number").transform(Number).pipe(int(min, max));
}

/** Instants Postgres `timestamptz` and JavaScript both hold: 1970 to 9999, UTC after the offset. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** An ISO 8601 date-time with an offset, within the years Postgres and JavaScript agree on. */
export function instant(message = "must be an ISO 8601 date-time") {
  return z.iso.datetime({ offset: true, message }).refine((s) => {
    const t = Date.parse(s);
    return t >= EARLIEST && t <= LATEST;
  }, "must be between 1970 and 9999");
}

/** A UUID in its canonical lowercase form. */
export const uuid = z.uuid("must be a UUID").transform((s) => s.toLowerCase());

/** A PaymentIntent id (Stripe's `pi_…`, or the simulator's `pi_sim_…`). */
export const intentId = z.string().regex(/^pi_[A-Za-z0-9_]{1,100}$/, "must be a PaymentIntent id");
