import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { BASE_URL, STRIPE_BASE_URL } from "../support/env";

/** Every string in a JSON document that looks like a link on this host. */
function links(doc: unknown): string[] {
  if (typeof doc === "string") return doc.startsWith("/") ? [doc] : [];
  if (Array.isArray(doc)) return doc.flatMap(links);
  if (doc && typeof doc === "object") return Object.values(doc).flatMap(links);
  return [];
}

describe("GET /", () => {
  for (const [mode, base] of [["simulator", BASE_URL], ["stripe", STRIPE_BASE_URL]] as const) {
    it(`names only URLs that answer (${mode} mode)`, async () => {
      const root = await api("/", { base });
      expect(root.status).toBe(200);
      const found = links(root.body);
      const answers = await Promise.all(found.map(async (path) => [path, (await fetch(new URL(path, base))).status] as const));
      // Not 404, and not a server error either: a link that is there but broken is no better.
      expect(answers.filter(([, status]) => status === 404 || status >= 500)).toEqual([]);
      expect(found).toEqual(expect.arrayContaining(["/health", "/api/events", "/api/docs", "/api/openapi.json"]));
    });
  }
});
