import { describe, expect, it } from "vitest";
import { importsOf, ruleBroken, runtimeDependencies, scanDeployable } from "../support/import-boundaries";

// Folders by runtime: what `npm run workers` and `wrangler deploy` ship must not reach into dev
// tooling or tests, and the edge (workerd, no nodejs_compat) must not reach into Node.
describe("import boundaries", () => {
  const deps = runtimeDependencies();

  it("finds every kind of import a file can make", () => {
    const text = [
      `import a from "./a";`, `import type { B } from "../b";`, `export { c } from "./c";`, `export * from "./d";`,
      `const e = await import("./e");`, `const f = require("./f");`, `type G = import("./g").G;`, `import "./h";`,
    ].join("\n");
    expect(importsOf("x.ts", text).map((i) => [i.specifier, i.line])).toEqual([
      ["./a", 1], ["../b", 2], ["./c", 3], ["./d", 4], ["./e", 5], ["./f", 6], ["./g", 7], ["./h", 8],
    ]);
  });

  it("names each broken rule, and lets the allowed imports through", () => {
    expect(ruleBroken("workers/index.ts", "../scripts/lib/node-db", deps)).toMatch(/dev tooling/);
    expect(ruleBroken("workers/kafka/bus.ts", "../../tests/support/db", deps)).toMatch(/dev tooling or tests/);
    expect(ruleBroken("src/routes/x.ts", "../../scripts/seed", deps)).toMatch(/dev tooling/);
    expect(ruleBroken("durable-objects/x.ts", "../workers/db", deps)).toMatch(/Node pipeline/);
    expect(ruleBroken("src/x.ts", "node:fs", deps)).toMatch(/Node built-in/);
    expect(ruleBroken("src/x.ts", "crypto", deps)).toMatch(/Node built-in/);
    expect(ruleBroken("durable-objects/x.ts", "fs/promises", deps)).toMatch(/Node built-in/);
    expect(ruleBroken("src/x.ts", "kafkajs", deps)).toMatch(/needs Node/);
    expect(ruleBroken("src/x.ts", "ws", deps)).toMatch(/not a runtime dependency/);
    // Allowed: the Node side may use Node; the edge its runtime and its dependencies; anyone may use src/.
    expect(ruleBroken("workers/db.ts", "node:net", deps)).toBeNull();
    expect(ruleBroken("workers/db.ts", "../src/db/client", deps)).toBeNull();
    expect(ruleBroken("durable-objects/x.ts", "cloudflare:workers", deps)).toBeNull();
    expect(ruleBroken("src/x.ts", "hono/cors", deps)).toBeNull();
    expect(ruleBroken("src/x.ts", "@upstash/redis/cloudflare", deps)).toBeNull();
    expect(ruleBroken("src/routes/x.ts", "../domain/input", deps)).toBeNull();
  });

  it("holds for every file under src/, durable-objects/ and workers/", () => {
    const { files, violations } = scanDeployable();
    expect(files.filter((f) => f.startsWith("src/")).length).toBeGreaterThan(20);
    expect(files).toContain("workers/index.ts");
    expect(files).toContain("durable-objects/event-room/index.ts");
    expect(violations).toEqual([]);
  });
});
