import { problemSchema, type ProblemDocument } from "../../../src/contract/problem";

/** An answer that was not what the operation promised: a problem document, or no answer at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDocument | null,
    /** Seconds until a retry may work (Retry-After, or the document's own figure). */
    readonly retryAfter: number | null,
  ) {
    super(problem ? `${problem.code}: ${problem.detail ?? problem.title}` : `HTTP ${status}`);
  }
  get code(): string { return this.problem?.code ?? (this.status === 0 ? "network" : "unknown"); }
  /** Worth trying again later: rate limited, unavailable, or no network. */
  get transient(): boolean { return this.status === 429 || this.status === 503 || this.status === 0; }
}

/** Reads a failed response as a problem document (RFC 9457); anything else stays a bare status. */
export async function problemOf(res: Response): Promise<ApiError> {
  const header = Number(res.headers.get("Retry-After"));
  let problem: ProblemDocument | null = null;
  try {
    const parsed = problemSchema.safeParse(await res.json());
    if (parsed.success) problem = parsed.data;
  } catch { /* not JSON: the status alone says what happened */ }
  const retry = Number.isFinite(header) && header > 0 ? header : problem?.retry_after_seconds ?? null;
  return new ApiError(res.status, problem, retry);
}
