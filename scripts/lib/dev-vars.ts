/** Creates or completes .dev.vars (git-ignored): a fresh ES256 signing key and webhook secret, and the development vars. */
import fs from "node:fs";
import { generatePrivateJwk } from "../../src/domain/tokens";

/**
 * What makes a Worker local development: the top-level vars in wrangler.toml are production's
 * (a bare `wrangler deploy` publishes them), so every local launcher passes these, and .dev.vars
 * (read only by `wrangler dev`) carries them for a plain `wrangler dev` too. Development is where
 * the payment simulator, the /dev/mail mailbox and the local web app's origins exist.
 */
export const DEVELOPMENT_VARS = {
  ENVIRONMENT: "development",
  MAILBOX_PAGE: "on",
  CORS_ORIGINS: "http://localhost:5173,http://127.0.0.1:5173",
  BUS_MODE: "in_process",
} as const;

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
  for (const [name, value] of Object.entries(DEVELOPMENT_VARS)) add(name, value);
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
