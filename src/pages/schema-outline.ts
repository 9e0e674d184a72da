import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { OpenApiDocument } from "../routes/openapi";

/**
 * A JSON Schema from the OpenAPI document as a person reads it: fields in nested lists, each with
 * its type and limits in a few words, references as links to the schema's own entry.
 */
type Components = NonNullable<NonNullable<OpenApiDocument["components"]>["schemas"]>;
export type SchemaObject = Exclude<Components[string], { $ref: string }>;
type Reference = Extract<Components[string], { $ref: string }>;
export type SchemaOrRef = SchemaObject | Reference;
const isReference = (s: SchemaOrRef): s is Reference => typeof s.$ref === "string";
type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

const MAX_DEPTH = 8;

/** `#/components/schemas/Booking` → `Booking`. */
export const refName = (ref: string): string => ref.split("/").pop() ?? ref;
export const schemaAnchor = (name: string): string => `schema-${name}`;

/** Text with `code spans` (as our descriptions write them) shown as code. */
export function prose(text: string | undefined): Markup | "" {
  if (!text) return "";
  return html`${text.split("`").map((part, i) => (i % 2 ? html`<code>${part}</code>` : part))}`;
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function range(lo: number | undefined, hi: number | undefined, unit: string): string {
  if (lo !== undefined && hi !== undefined) return lo === hi ? `${lo}${unit}` : `${lo}–${hi}${unit}`;
  if (lo !== undefined) return `≥ ${lo}${unit}`;
  if (hi !== undefined) return `≤ ${hi}${unit}`;
  return "";
}

/** The type and its limits in a few words: `string (uuid)`, `integer 1–50`, `one of "a", "b"`. */
function summary(s: SchemaObject): string {
  if (s.const !== undefined) return `always ${show(s.const)}`;
  if (s.enum) return `one of ${s.enum.map(show).join(", ")}`;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const base = types.length ? types.join(" or ") : s.anyOf || s.oneOf || s.allOf ? "" : "any value";
  const limits = [
    s.format ? `(${s.format})` : "",
    types.includes("string") ? range(s.minLength, s.maxLength, " chars") : "",
    types.includes("integer") || types.includes("number") ? range(s.minimum, s.maximum, "") : "",
    types.includes("array") ? range(s.minItems, s.maxItems, " items") : "",
    s.pattern ? "matching a pattern" : "",
    s.default !== undefined ? `default ${show(s.default)}` : "",
  ].filter(Boolean);
  return [base, ...limits].join(" ").trim();
}

/** One schema (or a reference to one: `$ref` and nothing else) as an outline. */
export function outline(s: SchemaOrRef | undefined, depth = 0): Markup | string {
  if (!s) return "";
  if (isReference(s)) {
    const name = refName(s.$ref);
    return html`<a href="#${schemaAnchor(name)}">${name}</a>`;
  }
  if (depth > MAX_DEPTH) return "…";
  const note = depth > 0 && s.description ? html` <span class="note">— ${prose(s.description)}</span>` : "";
  const items = s.items ? html` of ${outline(s.items, depth + 1)}` : "";
  const choices = (word: string, list: SchemaOrRef[] | undefined) =>
    list?.length ? html` ${word}<ul>${list.map((x) => html`<li>${outline(x, depth + 1)}</li>`)}</ul>` : "";
  const required = new Set(s.required ?? []);
  const fields = s.properties
    ? html`<ul>${Object.entries(s.properties).map(([name, prop]) =>
      html`<li><code>${name}</code>${required.has(name) ? "" : html` <span class="note">(optional)</span>`}: ${outline(prop, depth + 1)}</li>`)}</ul>`
    : "";
  const closed = s.properties && s.additionalProperties === false ? html`<p class="note">No other fields.</p>` : "";
  return html`${summary(s)}${items}${note}${choices("one of", s.anyOf ?? s.oneOf)}${choices("all of", s.allOf)}${fields}${closed}`;
}
