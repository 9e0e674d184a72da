/**
 * The served OpenAPI document as a checker of real answers: every response the tests' `api()`
 * receives is matched to its operation (method and path template) and checked: its status must be
 * documented, its media type one the status documents, and its body valid against the schema
 * (JSON Schema 2020-12, formats included). A mismatch fails the test that made the request.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { z } from "zod";
import type { JsonSchema } from "./json-schema-arbitrary";

/** A JSON Schema as the document holds it (every member of one is optional: any object is one). */
const jsonSchema = z.custom<JsonSchema>((v) => typeof v === "object" && v !== null && !Array.isArray(v), "must be a JSON Schema object");
const mediaSchema = z.object({ schema: jsonSchema.optional() });
const responseSchema = z.object({ description: z.string(), content: z.record(z.string(), mediaSchema).optional() });
const operationSchema = z.looseObject({
  operationId: z.string(),
  responses: z.record(z.string(), responseSchema),
  parameters: z.array(z.looseObject({ name: z.string(), in: z.enum(["path", "query", "header", "cookie"]), required: z.boolean().optional(), schema: jsonSchema })).optional(),
  requestBody: z.looseObject({ content: z.record(z.string(), mediaSchema) }).optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  "x-roles": z.array(z.string()).optional(),
  "x-development-only": z.boolean().optional(),
});
export const documentSchema = z.looseObject({
  openapi: z.string(),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.looseObject({ schemas: z.record(z.string(), jsonSchema).optional() }).optional(),
});
export type OpenApiOperation = z.infer<typeof operationSchema>;
export type OpenApiDocument = z.infer<typeof documentSchema>;

export const HTTP_METHODS = ["get", "post", "put", "delete", "patch"] as const;

/** One documented operation, with its method and path template. */
export interface DocumentedOperation { method: string; template: string; op: OpenApiOperation }

/** Every operation of a document, as "METHOD /template" → operation. */
export function operationsOf(doc: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(doc.paths).flatMap(([template, item]) => HTTP_METHODS.flatMap((m) =>
    item[m] === undefined ? [] : [{ method: m.toUpperCase(), template, op: operationSchema.parse(item[m]) }]));
}

/** `/api/events/{id}` → `/api/events/:id`, as Hono lists its routes. */
export const honoPath = (template: string): string => template.replaceAll(/\{(\w+)\}/g, ":$1");

/** The path template a concrete path is an instance of; literal segments win over parameters. */
function matchTemplate(templates: string[], path: string): string | undefined {
  const parts = path.split("/");
  let best: { template: string; literals: number } | undefined;
  for (const template of templates) {
    const t = template.split("/");
    if (t.length !== parts.length) continue;
    let literals = 0;
    const ok = t.every((seg, i) => {
      if (/^\{\w+\}$/.test(seg)) return (parts[i] ?? "") !== "";
      literals++;
      return seg === parts[i];
    });
    if (ok && (!best || literals > best.literals)) best = { template, literals };
  }
  return best?.template;
}

export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  readonly operations: DocumentedOperation[];

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.operations = operationsOf(document);
  }

  /** The operation a request is for, or undefined (an unknown path or method). */
  find(method: string, path: string): DocumentedOperation | undefined {
    const candidates = this.operations.filter((o) => o.method === method.toUpperCase());
    const template = matchTemplate(candidates.map((o) => o.template), path.split("?")[0] ?? path);
    return candidates.find((o) => o.template === template);
  }

  /** A schema compiled with the document's components, so `#/components/schemas/…` resolve. */
  private validator(key: string, schema: JsonSchema): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile({ ...schema, components: this.document.components ?? {} });
      this.validators.set(key, v);
    }
    return v;
  }

  /** What is wrong with an answer, or null when the document allows it. */
  problemWith(method: string, path: string, status: number, contentType: string | null, body: unknown): string | null {
    const where = `${method.toUpperCase()} ${path} → ${status}`;
    const found = this.find(method, path);
    if (!found) {
      // No such operation: the app's catch-all answers 404 with a problem document.
      return status === 404 && (contentType ?? "").startsWith("application/problem+json") ? null : `${where}: no documented operation, yet not a 404 problem`;
    }
    const response = found.op.responses[String(status)] ?? found.op.responses.default;
    if (!response) return `${where}: status not documented for ${found.method} ${found.template} (documented: ${Object.keys(found.op.responses).join(", ")})`;
    if (!response.content) return body === null ? null : `${where}: documented without a body, but one came`;
    const media = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const declared = response.content[media];
    if (!declared) return `${where}: media type ${media || "(none)"} not documented (documented: ${Object.keys(response.content).join(", ")})`;
    if (!declared.schema) return null;
    const validate = this.validator(`${found.method} ${found.template} ${status} ${media}`, declared.schema);
    if (validate(body)) return null;
    const errors = (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || "(body)"} ${e.message ?? ""} ${JSON.stringify(e.params)}`).join("; ");
    return `${where}: body does not match the documented schema: ${errors}\nbody: ${JSON.stringify(body).slice(0, 600)}`;
  }
}

const contracts = new Map<string, Promise<Contract>>();

/** The contract the Worker at `base` serves (fetched once per base and test file). */
export function contractAt(base: string): Promise<Contract> {
  let c = contracts.get(base);
  if (!c) {
    c = (async () => {
      const res = await fetch(`${base}/api/openapi.json`);
      if (res.status !== 200) throw new Error(`GET ${base}/api/openapi.json answered ${res.status}`);
      return new Contract(documentSchema.parse(await res.json()));
    })();
    c.catch(() => contracts.delete(base));
    contracts.set(base, c);
  }
  return c;
}

/** `schema` with every local `$ref` replaced by the component it names (for generators that walk schemas). */
export function inlineRefs(schema: JsonSchema, doc: OpenApiDocument): JsonSchema {
  const components = doc.components?.schemas ?? {};
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 32) throw new Error("schema references nest too deeply");
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v === null || typeof v !== "object") return v;
    const ref = "$ref" in v && typeof v.$ref === "string" ? v.$ref : undefined;
    if (ref) {
      const name = ref.replace(/^#\/components\/schemas\//, "");
      const target = components[name];
      if (!target) throw new Error(`unresolved reference ${ref}`);
      return walk(target, depth + 1);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
  };
  return jsonSchema.parse(walk(schema, 0));
}
