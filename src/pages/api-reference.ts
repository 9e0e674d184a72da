import { html, raw } from "hono/html";
import type { OpenApiDocument } from "../routes/openapi";
import { outline, prose, schemaAnchor, type SchemaOrRef } from "./schema-outline";

/**
 * /api/docs: the OpenAPI document as a page, rendered here on the server. No script at all, so it
 * works under our Content-Security-Policy and offline (a hosted reference would need a CDN's
 * script, and a bundled one several megabytes in the Worker); the style carries the page's nonce.
 */
type PathItem = NonNullable<OpenApiDocument["paths"]>[string];
type Operation = NonNullable<PathItem["get"]>;
type Parameter = NonNullable<Operation["parameters"]>[number];

const METHODS = ["get", "post", "put", "delete", "patch"] as const;

interface Entry { method: (typeof METHODS)[number]; path: string; op: Operation; anchor: string }

/** Every operation, in the document's order. */
function entries(doc: OpenApiDocument): Entry[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) => METHODS.flatMap((method) => {
    const op = item[method];
    return op ? [{ method, path, op, anchor: `op-${op.operationId ?? `${method}-${path}`}` }] : [];
  }));
}

const tagAnchor = (name: string): string => `tag-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
const isParameter = (p: Parameter): p is Extract<Parameter, { in: string }> => "in" in p;

function security(op: Operation) {
  const schemes = (op.security ?? []).flatMap((req) => Object.keys(req));
  const open = !op.security || op.security.some((req) => Object.keys(req).length === 0);
  const roles = op["x-roles"];
  const who = schemes.length ? `${open ? "Optional: " : ""}${schemes.join(" or ")}` : "None";
  return html`<p><strong>Auth:</strong> ${who}${Array.isArray(roles) ? html` (roles: ${roles.join(", ")}; admins always)` : ""}${op["x-development-only"] ? html` · <strong>development only</strong>` : ""}</p>`;
}

function parameters(op: Operation) {
  const params = (op.parameters ?? []).filter(isParameter);
  if (!params.length) return "";
  return html`<h4>Parameters</h4><table><thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">value</th></tr></thead><tbody>
${params.map((p) => html`<tr><td><code>${p.name}</code>${p.required ? "" : html` <span class="note">(optional)</span>`}</td><td>${p.in}</td><td>${outline(p.schema)}${p.description ? html` <span class="note">— ${prose(p.description)}</span>` : ""}</td></tr>`)}
</tbody></table>`;
}

function content(media: Record<string, { schema?: SchemaOrRef }> | undefined) {
  return Object.entries(media ?? {}).map(([type, { schema }]) => html`<div class="media"><span class="note">${type}</span>: ${outline(schema)}</div>`);
}

function requestBody(op: Operation) {
  const body = op.requestBody;
  if (!body || !("content" in body)) return "";
  return html`<h4>Request body</h4>${body.description ? html`<p>${prose(body.description)}</p>` : ""}${content(body.content)}`;
}

function responses(op: Operation) {
  return html`<h4>Responses</h4><dl class="responses">${Object.entries(op.responses ?? {}).map(([status, r]) => html`
<dt>${status}</dt><dd>${"description" in r && typeof r.description === "string" ? prose(r.description) : ""}${"content" in r ? content(r.content) : ""}</dd>`)}</dl>`;
}

function operation(e: Entry) {
  return html`<article id="${e.anchor}" class="operation"><h3><span class="method ${e.method}">${e.method.toUpperCase()}</span> <code>${e.path}</code></h3>
<p>${prose(e.op.summary)}</p>${e.op.description ? html`<p>${prose(e.op.description)}</p>` : ""}
${security(e.op)}${parameters(e.op)}${requestBody(e.op)}${responses(e.op)}</article>`;
}

const STYLE = `body{font-family:system-ui,"Noto Sans CJK KR",sans-serif;margin:0;color:#1a1a1a;line-height:1.5}
header,main{max-width:60rem;margin:0 auto;padding:0 1rem}nav{max-width:60rem;margin:0 auto;padding:0 1rem}
nav ul{list-style:none;padding-left:1rem}nav a{text-decoration:none}nav a:hover,nav a:focus{text-decoration:underline}
.method{display:inline-block;min-width:4.2rem;text-align:center;border-radius:.3rem;color:#fff;font-size:.85em;padding:0 .3rem}
.get{background:#166534}.post{background:#1d4ed8}.put{background:#92400e}.delete{background:#991b1b}.patch{background:#6b21a8}
.operation{border-top:1px solid #d4d4d4;padding:.5rem 0 1rem}.note{color:#4b5563}
table{border-collapse:collapse}th,td{border:1px solid #d4d4d4;padding:.2rem .5rem;text-align:left;vertical-align:top}
dl.responses{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
code{font-size:.95em;background:#f3f4f6;padding:0 .2rem;border-radius:.2rem}ul ul{margin:.1rem 0}`;

let body: string | undefined;

/** The page's body, rendered once per isolate (the document does not change while it runs). */
async function renderBody(doc: OpenApiDocument): Promise<string> {
  const all = entries(doc);
  const tags = (doc.tags ?? []).map((t) => ({ ...t, ops: all.filter((e) => (e.op.tags ?? [])[0] === t.name) }));
  const schemas = Object.entries(doc.components?.schemas ?? {});
  const markup = html`<header><h1>${doc.info.title} <span class="note">${doc.info.version}</span></h1>
<p>${prose(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${doc.openapi}).</p></header>
<nav aria-label="Operations"><h2>Operations</h2><ul>${tags.map((t) => html`<li><a href="#${tagAnchor(t.name)}">${t.name}</a><ul>${t.ops.map((e) =>
    html`<li><a href="#${e.anchor}">${e.method.toUpperCase()} ${e.path}</a></li>`)}</ul></li>`)}</ul></nav>
<main>${tags.map((t) => html`<section id="${tagAnchor(t.name)}" aria-labelledby="${tagAnchor(t.name)}-title"><h2 id="${tagAnchor(t.name)}-title">${t.name}</h2>
<p>${prose(t.description)}</p>${t.ops.map(operation)}</section>`)}
<section id="schemas" aria-labelledby="schemas-title"><h2 id="schemas-title">Schemas</h2>${schemas.map(([name, s]) =>
    html`<article id="${schemaAnchor(name)}"><h3>${name}</h3>${"description" in s && s.description ? html`<p>${prose(s.description)}</p>` : ""}${outline(s)}</article>`)}</section>
</main>`;
  return (await markup).toString();
}

export async function renderReference(doc: OpenApiDocument, nonce: string) {
  body ??= await renderBody(doc);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title} · reference</title><link rel="icon" href="data:,"><style nonce="${nonce}">${raw(STYLE)}</style></head>
<body>${raw(body)}</body></html>`;
}
