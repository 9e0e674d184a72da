/**
 * The layout's import rules, read from the source with the TypeScript parser:
 * - deployable code (src/, durable-objects/, workers/) never imports dev tooling (scripts/) or tests (tests/);
 * - edge code (src/, durable-objects/: it runs in workerd, without nodejs_compat) imports no Node
 *   built-in, nothing from the Node pipeline (workers/), and no package but the runtime's own
 *   (`cloudflare:*`) and the npm dependencies that are not Node-only.
 */
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import ts from "typescript";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const DEPLOYABLE = ["src", "durable-objects", "workers"] as const;
export const EDGE = ["src", "durable-objects"] as const;
const DEV_ONLY = ["scripts", "tests"];
/** Runtime dependencies that need Node (the pipeline's Kafka client and mailer). */
const NODE_ONLY_PACKAGES = new Set(["kafkajs", "nodemailer"]);

export interface ImportRef { specifier: string; line: number }
export interface Violation { file: string; line: number; specifier: string; rule: string }

/** Every module a file names: static and type imports, re-exports, dynamic import() and require(). */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: ImportRef[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined) => {
    if (spec && ts.isStringLiteralLike(spec)) found.push({ specifier: spec.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))) add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The package a bare specifier names ("@scope/name/sub" → "@scope/name"). */
const packageOf = (spec: string): string => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0] ?? spec);
const isBuiltin = (spec: string): boolean => spec.startsWith("node:") || builtinModules.includes(packageOf(spec));

/** The rule one import of `file` (a path relative to the root) breaks, if any. */
export function ruleBroken(file: string, specifier: string, runtimeDependencies: ReadonlySet<string>): string | null {
  const top = file.split("/")[0] ?? "";
  const edge = (EDGE as readonly string[]).includes(top);
  if (specifier.startsWith(".")) {
    const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier)).split(path.sep)[0] ?? "";
    if (DEV_ONLY.includes(target)) return `deployable code imports dev tooling or tests (${target}/)`;
    if (edge && target === "workers") return "edge code imports the Node pipeline (workers/)";
    return null;
  }
  if (!edge) return null;
  if (isBuiltin(specifier)) return "edge code imports a Node built-in";
  if (specifier.startsWith("cloudflare:")) return null;
  const pkg = packageOf(specifier);
  if (NODE_ONLY_PACKAGES.has(pkg)) return `edge code imports ${pkg}, which needs Node`;
  if (!runtimeDependencies.has(pkg)) return `edge code imports ${pkg}, which is not a runtime dependency in package.json`;
  return null;
}

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|mts|tsx|js|mjs)$/.test(f) && !f.endsWith(".d.ts"))
    .map((f) => path.join(dir, f).split(path.sep).join("/"));
}

export function runtimeDependencies(): Set<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  return new Set(Object.keys(pkg.dependencies ?? {}));
}

/** Every broken rule in the deployable folders; the list of files checked comes back too (so an empty scan is visible). */
export function scanDeployable(): { files: string[]; violations: Violation[] } {
  const deps = runtimeDependencies();
  const files = DEPLOYABLE.flatMap(sourceFiles);
  const violations = files.flatMap((file) => importsOf(file, fs.readFileSync(path.join(ROOT, file), "utf8")).flatMap(({ specifier, line }) => {
    const rule = ruleBroken(file, specifier, deps);
    return rule ? [{ file, line, specifier, rule }] : [];
  }));
  return { files, violations };
}
