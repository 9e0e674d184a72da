import { defineConfig } from "vitest/config";

// Integration and load tests run in Node against real services that scripts/test.ts starts:
// PostgreSQL, the embedded default, and the Workers under `wrangler dev`. One file at a time: some tests
// take Postgres down on purpose, and the machine has two cores.
export default defineConfig({
  test: {
    include: ["tests/static/**/*.test.ts", "tests/integration/**/*.test.ts", "tests/load/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
