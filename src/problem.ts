/**
 * RFC 9457 problem documents. Route code throws `Problem`; the app's one onError turns it
 * (and anything unexpected) into application/problem+json.
 */
export type ProblemExtras = Record<string, unknown>;

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extras: ProblemExtras = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: `https://ticketing.pro/problems/${this.code}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      code: this.code,
      ...(instance ? { instance } : {}),
      ...this.extras,
    };
  }
}

export const problems = {
  badRequest: (detail: string, extras?: ProblemExtras) => new Problem(400, "bad_request", "Bad request", detail, extras),
  validation: (errors: { field: string; message: string }[]) =>
    new Problem(422, "validation_failed", "The request is not valid", errors.map((e) => `${e.field}: ${e.message}`).join("; "), { errors }),
  unauthorized: (detail = "Authentication is required") => new Problem(401, "unauthorized", "Unauthorized", detail, {}, { "WWW-Authenticate": "Bearer" }),
  invalidCredentials: () => new Problem(401, "invalid_credentials", "Invalid credentials", "The email or password is not correct"),
  forbidden: (detail = "You may not do this") => new Problem(403, "forbidden", "Forbidden", detail),
  notFound: (what: string) => new Problem(404, "not_found", "Not found", `${what} was not found`),
  conflict: (code: string, detail: string, extras?: ProblemExtras) => new Problem(409, code, "Conflict", detail, extras),
  payloadTooLarge: (limit: number) => new Problem(413, "payload_too_large", "Payload too large", `The body may be at most ${limit} bytes`),
  unsupportedMediaType: () => new Problem(415, "unsupported_media_type", "Unsupported media type", "Send application/json"),
};
