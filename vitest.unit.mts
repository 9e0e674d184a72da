import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Unit tests run inside workerd with the real EventRoom class and its SQLite storage.
// DATABASE_URL is empty on purpose: the outbox then stays in the object, where tests read it.
// ENVIRONMENT is development (wrangler.toml's top level is production's): the payment saga runs
// against the local simulator. Tests of other environments pass their own env to the app.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { bindings: { DATABASE_URL: "", PG_WS_PROXY: "", JWT_PRIVATE_JWK: "", ENVIRONMENT: "development" } },
    }),
  ],
  test: { include: ["tests/unit/**/*.test.ts"] },
});
