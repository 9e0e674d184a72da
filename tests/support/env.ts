/** Services started by scripts/test.ts. A missing one fails the run: nothing is skipped. */
function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the services`);
  return v;
}

export const BASE_URL = required("TEST_BASE_URL");
export const DATABASE_URL = required("TEST_DATABASE_URL");
/** The embedded default (`npm start`'s database), and a Worker that uses it. */
export const EMBEDDED_DATABASE_URL = required("TEST_EMBEDDED_DATABASE_URL");
export const EMBEDDED_BASE_URL = required("TEST_EMBEDDED_BASE_URL");
export const PG_DIR = required("TEST_PG_DIR");
export const PG_PORT = Number(required("TEST_PG_PORT"));
export const STRIPE_BASE_URL = required("TEST_STRIPE_BASE_URL");
export const STRIPE_API = required("TEST_STRIPE_API");
export const WEBHOOK_SECRET = required("TEST_WEBHOOK_SECRET");
/** The Worker's signing key, so load tests can act as many simulated accounts without registering each. */
export const JWT_PRIVATE_JWK = required("TEST_JWT_PRIVATE_JWK");
export const REDIS_URL = required("TEST_REDIS_URL");
export const KAFKA_BROKERS = required("TEST_KAFKA_BROKERS");
export const KAFKA_DIR = required("TEST_KAFKA_DIR");
export const KAFKA_PORT = Number(required("TEST_KAFKA_PORT"));
export const KAFKA_PID = Number(required("TEST_KAFKA_PID"));
/** Where the simulator-mode Worker keeps its Durable Objects (wrangler dev --persist-to): tests count objects there. */
export const WORKER_STATE_DIR = required("TEST_WORKER_STATE_DIR");
/** The simulator-mode Worker's output (stdout and stderr of `wrangler dev`), for checks on what it logs. */
export const WORKER_LOG = required("TEST_WORKER_LOG");
