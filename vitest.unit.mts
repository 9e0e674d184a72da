import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Unit tests run inside workerd with the real EventRoom class and its SQLite storage.
// DATABASE_URL is empty on purpose: the outbox then stays in the object, where tests read it.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { bindings: { DATABASE_URL: "", PG_WS_PROXY: "", JWT_PRIVATE_JWK: "" } },
    }),
  ],
  test: { include: ["tests/unit/**/*.test.ts"] },
});
