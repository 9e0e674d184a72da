/** Creates or completes .dev.vars (git-ignored): a fresh ES256 signing key and webhook secret. */
import fs from "node:fs";
import { generatePrivateJwk } from "../../src/domain/tokens";

export async function ensureDevVars(file = ".dev.vars"): Promise<void> {
  let text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const added: string[] = [];
  const add = (name: string, value: string) => {
    if (new RegExp(`^${name}=.+`, "m").test(text)) return;
    text += `${text && !text.endsWith("\n") ? "\n" : ""}${name}=${value}\n`;
    added.push(name);
  };
  add("JWT_PRIVATE_JWK", await generatePrivateJwk());
  add("STRIPE_WEBHOOK_SECRET", `whsec_${crypto.randomUUID().replace(/-/g, "")}`);
  if (added.length) {
    fs.writeFileSync(file, text);
    console.log(`${file}: generated ${added.join(", ")}`);
  }
}

/** One value from .dev.vars (as `ensureDevVars` wrote it); empty when absent. */
export function readDevVar(name: string, file = ".dev.vars"): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  return new RegExp(`^${name}=(.+)$`, "m").exec(text)?.[1] ?? "";
}
