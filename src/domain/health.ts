/**
 * What /health concludes from its checks. Pure: the route gathers facts, this decides.
 * "down" means the deployment cannot do its job (503); "degraded" means it can, but something
 * behind it trails (200, so a load balancer keeps the Worker in service).
 */
export type PostgresCheck = "ok" | "timeout" | "unreachable" | "error";
export type SigningKeyCheck = "ok" | "missing_or_malformed";
export type PaymentsCheck = "stripe" | "simulator" | "missing";
/** Rate limits are the Workers binding; revocations live in Upstash or a Durable Object. */
export type StoreCheck = "upstash" | "durable_object";

export interface BusFacts { pending: number; oldestAgeSeconds: number }
export interface BusCheck {
  mode: string;
  /** `lagging`: the oldest unpublished outbox row is older than the threshold. `unknown`: Postgres did not answer. */
  status: "ok" | "lagging" | "unknown";
  pending: number | null;
  oldest_unpublished_age_seconds: number | null;
}

export function busCheck(mode: string, facts: BusFacts | null, degradedAfterSeconds: number): BusCheck {
  if (!facts) return { mode, status: "unknown", pending: null, oldest_unpublished_age_seconds: null };
  return {
    mode,
    status: facts.oldestAgeSeconds > degradedAfterSeconds ? "lagging" : "ok",
    pending: facts.pending,
    oldest_unpublished_age_seconds: Math.round(facts.oldestAgeSeconds),
  };
}

export interface HealthChecks {
  postgres: PostgresCheck;
  signing_key: SigningKeyCheck;
  payments: PaymentsCheck;
  rate_limit_store: "workers_ratelimit";
  revocation_store: StoreCheck;
  bus: BusCheck;
}

export interface HealthReport {
  status: "healthy" | "degraded" | "unhealthy";
  checks: HealthChecks;
  down?: string[];
  degraded?: string[];
}

/** `storeFailed`: the edge store (rate limits, revocations) threw when /health counted itself. */
export function assessHealth(checks: HealthChecks, storeFailed: boolean): HealthReport {
  const down: string[] = [];
  if (checks.postgres !== "ok") down.push("postgres");
  if (checks.signing_key !== "ok") down.push("signing_key");
  if (checks.payments === "missing") down.push("payments");
  if (storeFailed) down.push("rate_limit_store");
  const degraded = checks.bus.status === "lagging" ? ["bus"] : [];
  if (down.length) return { status: "unhealthy", checks, down, ...(degraded.length ? { degraded } : {}) };
  if (degraded.length) return { status: "degraded", checks, degraded };
  return { status: "healthy", checks };
}
