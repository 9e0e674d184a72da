import { html } from "hono/html";
import { desc } from "drizzle-orm";
import { db } from "../context";
import { systemOperations as op } from "../contract/system";
import { cspNonce } from "../middleware/edge-headers";
import { notifications } from "../db/schema";
import { config, isDevelopment } from "../config";
import { problems } from "../problem";
import { ApiRoutes } from "../routes/api-routes";

/** The local mailbox: the latest notifications the notifier sent. It shows everyone's mail, so only development serves it. */
export const mailboxPage = new ApiRoutes("").serve(op.mailbox, async (c) => {
  if (!config(c.env).mailboxPage || !isDevelopment(c.env)) throw problems.notFound("Mailbox");
  const rows = await db(c).select().from(notifications).orderBy(desc(notifications.createdAt)).limit(50);
  return c.html(html`<!doctype html><html><head><meta charset="utf-8"><title>Mailbox · Ticketing Pro</title>
<style nonce="${cspNonce(c)}">body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}article{border-bottom:1px solid #ddd;padding:.5rem 0}pre{white-space:pre-wrap}</style></head>
<body><h1>Mailbox</h1><p>The last ${rows.length} notifications (email and SMS), newest first.</p>
${rows.map((n) => html`<article><strong>${n.subject}</strong><br><small>${n.channel} to ${n.recipient} · ${n.status} · ${n.createdAt.toISOString()}</small><pre>${n.bodyText}</pre></article>`)}
</body></html>`);
});
