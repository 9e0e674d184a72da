import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { api } from "../support/api";
import { appRoutes } from "../support/app-routes";
import { Contract, contractAt, documentSchema, honoPath, operationsOf } from "../support/contract";
import { BASE_URL, STRIPE_BASE_URL } from "../support/env";

// The contract as served: /api/openapi.json is valid OpenAPI 3.1, lists exactly the routes the
// app serves, and its schemas are usable; /api/docs shows it. (Every answer `api()` receives in
// the integration suite is checked against it: tests/support/contract.ts.)

/** Runs the OpenAPI validator on a document (through a file: the validator reads documents by path). */
async function validate(doc: unknown) {
  const file = join(await mkdtemp(join(tmpdir(), "openapi-")), "openapi.json");
  await writeFile(file, JSON.stringify(doc));
  return SwaggerParser.validate(file);
}

async function served(base = BASE_URL) {
  const res = await fetch(`${base}/api/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return documentSchema.parse(await res.json());
}

describe("GET /api/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await served();
    expect(doc.openapi).toBe("3.1.0");
    // Against the OpenAPI 3.1 schema and the spec's own rules (unique operationIds, path
    // parameters declared, security schemes defined…).
    await expect(validate(doc)).resolves.toBeTruthy();
  });

  it("refuses a document that breaks OpenAPI 3.1 (the validator above can fail)", async () => {
    const { info: _info, ...withoutInfo } = await served();
    await expect(validate(withoutInfo)).rejects.toThrow(/info/);
    // A path that is not a path.
    const doc = await served();
    await expect(validate({ ...doc, paths: { ...doc.paths, "api/events": {} } })).rejects.toThrow();
  });

  it("documents every route the app serves, and every documented operation is served", async () => {
    const documented = operationsOf(await served()).map((d) => `${d.method} ${honoPath(d.template)}`).sort();
    expect(new Set(documented).size).toBe(documented.length);
    expect(documented).toEqual(await appRoutes());
  });

  it("gives every operation a unique id, its path parameters, a summary, a declared tag, a 500, and a problem document for every error", async () => {
    const raw: unknown = await (await fetch(`${BASE_URL}/api/openapi.json`)).json();
    const top = z.looseObject({
      info: z.looseObject({ title: z.string(), version: z.string() }),
      servers: z.array(z.looseObject({ url: z.string() })),
      tags: z.array(z.looseObject({ name: z.string() })),
      components: z.looseObject({ securitySchemes: z.record(z.string(), z.looseObject({ type: z.string() })) }),
      paths: z.record(z.string(), z.record(z.string(), z.looseObject({ summary: z.string().optional(), tags: z.array(z.string()).optional() }))),
    }).parse(raw);
    const tags = new Set(top.tags.map((t) => t.name));
    const schemes = new Set(Object.keys(top.components.securitySchemes));
    const faults: string[] = [];
    const ids = new Set<string>();
    for (const d of operationsOf(documentSchema.parse(raw))) {
      const where = `${d.method} ${d.template}`;
      if (ids.has(d.op.operationId)) faults.push(`${where}: operationId ${d.op.operationId} twice`);
      ids.add(d.op.operationId);
      for (const [, name] of d.template.matchAll(/\{(\w+)\}/g)) {
        if (!d.op.parameters?.some((p) => p.in === "path" && p.name === name && p.required)) faults.push(`${where}: path parameter ${name} not declared`);
      }
      const op = top.paths[d.template]?.[d.method.toLowerCase()];
      if (!op?.summary) faults.push(`${where}: no summary`);
      if (!op?.tags?.length || !op.tags.every((t) => tags.has(t))) faults.push(`${where}: tags ${JSON.stringify(op?.tags)}`);
      if (!d.op.responses["500"]) faults.push(`${where}: no 500`);
      for (const req of d.op.security ?? []) for (const s of Object.keys(req)) if (!schemes.has(s)) faults.push(`${where}: unknown scheme ${s}`);
      for (const [status, r] of Object.entries(d.op.responses)) {
        const isProblem = Number(status) >= 400 && !(d.template === "/health" && status === "503");
        if (isProblem && !r.content?.["application/problem+json"]) faults.push(`${where} ${status}: not a problem document`);
      }
    }
    expect(faults).toEqual([]);
    expect(top.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    expect(top.servers).toEqual([expect.objectContaining({ url: "/" })]);
  });

  it("compiles: every request and response schema is valid JSON Schema 2020-12", async () => {
    const contract = await contractAt(BASE_URL);
    // Answers of every documented status and media type, checked against nothing in particular:
    // compiling is what is tested here; a schema that does not compile throws.
    for (const d of contract.operations) {
      for (const [status, r] of Object.entries(d.op.responses)) {
        for (const media of Object.keys(r.content ?? {})) {
          expect(() => contract.problemWith(d.method, d.template, Number(status), media, null)).not.toThrow();
        }
      }
    }
  });

  it("serves the same operations in every environment (the Stripe-mode Worker too)", async () => {
    const here = operationsOf(await served()).map((d) => `${d.method} ${d.template}`);
    const there = operationsOf(await served(STRIPE_BASE_URL)).map((d) => `${d.method} ${d.template}`);
    expect(there).toEqual(here);
  });
});

describe("the response checker", () => {
  it("catches a body that breaks its schema, an undocumented status, and an undocumented media type", async () => {
    const contract = new Contract((await contractAt(BASE_URL)).document);
    const user = { user_id: "6f1c3a52-7d2e-4b59-9a3e-2f7c1d0e8b41", email: "a@b.kr", name: "김민지", phone_number: null, role: "user", locale: "ko", created_at: "2027-01-01T00:00:00.000Z" };
    expect(contract.problemWith("GET", "/api/auth/me", 200, "application/json", { user, gate_event_id: null })).toBeNull();
    // A renamed field, a leaked one, a wrong type: each breaks the contract.
    const { user_id: _id, ...renamed } = user;
    expect(contract.problemWith("GET", "/api/auth/me", 200, "application/json", { user: { ...renamed, id: user.user_id }, gate_event_id: null })).toMatch(/does not match/);
    expect(contract.problemWith("GET", "/api/auth/me", 200, "application/json", { user: { ...user, password_hash: "x" }, gate_event_id: null })).toMatch(/does not match/);
    expect(contract.problemWith("GET", "/api/auth/me", 200, "application/json", { user: { ...user, created_at: "yesterday" }, gate_event_id: null })).toMatch(/does not match/);
    expect(contract.problemWith("GET", "/api/auth/me", 418, "application/json", {})).toMatch(/status not documented/);
    expect(contract.problemWith("GET", "/api/auth/me", 200, "text/html", "<p>")).toMatch(/media type/);
    // A problem document must name a code its status documents.
    const problem = { type: "https://ticketing.pro/problems/not_found", title: "Not found", status: 404, code: "not_found" };
    expect(contract.problemWith("GET", "/api/bookings/6f1c3a52-7d2e-4b59-9a3e-2f7c1d0e8b41", 404, "application/problem+json", problem)).toBeNull();
    expect(contract.problemWith("GET", "/api/bookings/6f1c3a52-7d2e-4b59-9a3e-2f7c1d0e8b41", 404, "application/problem+json", { ...problem, code: "made_up" })).toMatch(/does not match/);
    // Unknown paths may only be the catch-all 404.
    expect(contract.problemWith("GET", "/api/nothing", 404, "application/problem+json", { ...problem, code: "route_not_found" })).toBeNull();
    expect(contract.problemWith("GET", "/api/nothing", 200, "application/json", {})).toMatch(/no documented operation/);
  });

  it("is what api() applies to every answer", async () => {
    // The root answers 200 with links; the checker is consulted (a broken contract would throw here).
    const root = await api<{ links: Record<string, string> }>("/");
    expect(root.status).toBe(200);
    expect(root.body.links).toMatchObject({ api_reference: "/api/docs", openapi: "/api/openapi.json" });
  });
});

describe("GET /api/docs", () => {
  it("is a page that names every operation and links the document", async () => {
    const res = await fetch(`${BASE_URL}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('href="/api/openapi.json"');
    // Served under the strict policy: no script of its own, its style carries the nonce.
    expect(page).not.toMatch(/<script/i);
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];
    expect(nonce).toBeTruthy();
    expect(page).toContain(`<style nonce="${nonce}">`);
    for (const d of operationsOf(await served())) expect(page).toContain(`${d.method} ${d.template.replaceAll("&", "&amp;")}`);
  });
});
