/**
 * Redaction by default: what reaches a log line has had secrets and personal data taken out,
 * whatever the caller passed. Fields are redacted by name at any depth; strings lose anything
 * that looks like a credential, an e-mail address or a phone number.
 */

export const REDACTED = "[redacted]";

/** Field names whose values are never logged. */
const SENSITIVE_KEY = /pass(word|wd)?|pwd|token|secret|authori[sz]ation|cookie|e-?mail|phone|card|cvc|api[-_]?key|signature|credential|hash|recipient/i;

const SECRET_PATTERNS: [RegExp, string][] = [
  // user:password@ in URLs (connection strings, SMTP URLs).
  [/(\/\/)[^/\s:@]+:[^/\s@]+@/g, "$1[redacted]@"],
  // JWTs and other compact JWS tokens.
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, REDACTED],
  // Stripe keys, webhook secrets and client secrets.
  [/\b(sk|rk|pk)_(test|live)_[\w]+/g, REDACTED],
  [/\bwhsec_[\w+/=]+/g, REDACTED],
  [/\b\w+_secret_\w+/g, REDACTED],
  // Password hashes (ours: pbkdf2-sha256$iterations$salt$hash).
  [/\bpbkdf2[\w-]*\$[^\s"']+/g, REDACTED],
  // E-mail addresses.
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, REDACTED],
  // Bearer credentials.
  [/\bBearer\s+\S+/gi, `Bearer ${REDACTED}`],
  // International phone numbers (+82 10-1234-5678); bare digit runs are ids and amounts, kept.
  [/\+\d(?:[ -]?\d){6,}/g, REDACTED],
  // Refresh tokens ("<uuid>.<secret>"), hex digests (token hashes), long base64 blobs. Ids, request
  // ids and paths stay readable: they are shorter, or broken up by "-" and ".".
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b[0-9a-fA-F]{40,}\b/g, REDACTED],
  [/[A-Za-z0-9+/]{60,}={0,2}/g, REDACTED],
];

/** Removes credentials and personal data from free text. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A copy of `value` safe to log: sensitive fields replaced, strings scrubbed, errors described
 * by `describe`, depth and size bounded, cycles cut.
 */
export function redactFields(value: unknown, describe: (err: unknown) => object, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return scrubSecrets(value.length > 2000 ? `${value.slice(0, 2000)}…` : value);
  if (value === null || typeof value !== "object") return typeof value === "function" || typeof value === "symbol" ? String(typeof value) : value;
  if (value instanceof Error) return describe(value);
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value) || depth >= 6) return "[…]";
  seen.add(value);
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactFields(v, describe, depth + 1, seen));
  return redactRecord(value, describe, depth, seen);
}

/** `redactFields` for a record (log fields): sensitive keys replaced, the rest redacted in turn. */
export function redactRecord(fields: object, describe: (err: unknown) => object, depth = 0, seen = new WeakSet<object>()): Record<string, unknown> {
  seen.add(fields);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields).slice(0, 100)) {
    // defineProperty, not assignment: a key named __proto__ stays a plain field.
    Object.defineProperty(out, k, { value: SENSITIVE_KEY.test(k) ? REDACTED : redactFields(v, describe, depth + 1, seen), enumerable: true, configurable: true, writable: true });
  }
  return out;
}
