import type { Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import * as schema from "../../src/db/schema";

/**
 * Instrumentation, not a mock: the same pool, counting the statements sent to Postgres (on the
 * pool itself and on any client it lends out, as transactions use).
 */
export function countingDb(pool: Pool) {
  let statements = 0;
  const counted = <T extends object>(target: T): T => new Proxy(target, {
    get(t, prop, receiver) {
      const v: unknown = Reflect.get(t, prop, receiver);
      if (prop === "query" && typeof v === "function") return (...args: unknown[]) => { statements++; return Reflect.apply(v, t, args); };
      if (prop === "connect" && typeof v === "function") {
        return async (...args: unknown[]) => {
          const client: unknown = await Reflect.apply(v, t, args);
          return client && typeof client === "object" ? counted(client) : client;
        };
      }
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  return { db: drizzle(counted(pool), { schema }), statements: () => statements };
}

