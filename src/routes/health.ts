import { sql } from "drizzle-orm";
import { db, type Ctx } from "../context";
import { isDatabaseUnavailable } from "../db/client";
import { assessHealth, busCheck, type BusFacts, type PostgresCheck } from "../domain/health";
import { loadKeys } from "../domain/tokens";
import { config } from "../config";
import { paymentSetup } from "../payments";
import { Problem } from "../problem";
import { RATE_LIMIT_STORE, rateLimiter, revocationStoreKind } from "../rate-limit";
import { clientIp, enforce } from "../rate-limit/limiter";
import { systemOperations as op } from "../contract/system";
import { ApiRoutes } from "./api-routes";

const TIMEOUT_MS = 2000;
/** Counting a large backlog exactly would make /health as slow as the backlog is long. */
const PENDING_COUNT_CAP = 10_000;

class TimedOut extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new TimedOut()), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Postgres and, in the same round trip, the outbox relay's lag (the Worker cannot see Kafka; the
 * relay marks rows published, so the oldest unpublished row says how far the bus trails). Only a
 * short reason code leaves this function: driver messages name hosts and internals.
 */
async function postgresAndBus(c: Ctx): Promise<{ postgres: PostgresCheck; bus: BusFacts | null }> {
  try {
    const r = await withTimeout(db(c).execute<{ pending: number; oldest_age_seconds: number | null }>(sql`
      SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT ${PENDING_COUNT_CAP}) p)::int AS pending,
        (SELECT EXTRACT(EPOCH FROM now() - created_at)::float8 FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1) AS oldest_age_seconds`), TIMEOUT_MS);
    const row = r.rows[0];
    return { postgres: "ok", bus: { pending: Number(row?.pending ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.oldest_age_seconds ?? 0)) } };
  } catch (e) {
    const postgres: PostgresCheck = e instanceof TimedOut ? "timeout" : isDatabaseUnavailable(e) ? "unreachable" : "error";
    c.get("log").warn("health: postgres check failed", { reason: postgres });
    return { postgres, bus: null };
  }
}

/** Counts this request against the per-IP limit; false if the edge store itself failed (then /health still answers). */
async function countRequest(c: Ctx): Promise<boolean> {
  try {
    await enforce(c, rateLimiter(c.env), "health", [`ip:${clientIp(c)}`]);
    return true;
  } catch (e) {
    if (e instanceof Problem) throw e;
    c.get("log").warn("health: edge store failed");
    return false;
  }
}

export const healthRoutes = new ApiRoutes("")
  .serve(op.health, async (c) => {
    const storeOk = await countRequest(c);
    const [{ postgres, bus }, signingKey] = await Promise.all([
      postgresAndBus(c),
      loadKeys(c.env.JWT_PRIVATE_JWK).then(() => "ok" as const, () => "missing_or_malformed" as const),
    ]);
    const report = assessHealth({
      postgres, signing_key: signingKey, payments: paymentSetup(c.env), rate_limit_store: RATE_LIMIT_STORE, revocation_store: revocationStoreKind(c.env),
      bus: busCheck(config(c.env).busMode, bus, config(c.env).busLagDegradedSeconds),
    }, !storeOk);
    c.header("Cache-Control", "no-store");
    return report.status === "unhealthy" ? c.json(report, 503) : c.json(report, 200);
  })
  .serve(op.jwks, async (c) => {
    const keys = await loadKeys(c.env.JWT_PRIVATE_JWK);
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: [keys.publicJwk] }, 200);
  });
