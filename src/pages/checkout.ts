import { Hono } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../context";
import { checkoutQuery } from "../domain/payment-input";
import { intentPathId, readQuery } from "../middleware/params";
import { problems } from "../problem";

/** The simulator's test checkout: a page a person can use to pay or decline a held booking. */
export const checkoutPage = new Hono<AppEnv>().get("/checkout/:intent_id", async (c) => {
  if (c.env.STRIPE_SECRET_KEY) throw problems.notFound("Checkout");
  const id = intentPathId(c.req.param("intent_id"), "Payment intent");
  const { client_secret: secret } = readQuery(c, checkoutQuery);
  const sim = c.env.PAYMENT_SIMULATOR.get(c.env.PAYMENT_SIMULATOR.idFromName("simulator"));
  const intent = await sim.retrieve(id);
  if (!intent || intent.clientSecret !== secret) throw problems.notFound("Payment intent");
  const amount = new Intl.NumberFormat("ko-KR", { style: "currency", currency: intent.currency }).format(
    intent.amount / 10 ** (["KRW", "JPY"].includes(intent.currency) ? 0 : 2));
  return c.html(html`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>Test checkout · Ticketing Pro</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.6rem 1.2rem;margin-right:.5rem}</style></head>
<body><h1>Test checkout</h1>
<p>Simulated payment — no card is charged. 결제 시뮬레이터입니다.</p>
<p>Booking <code>${intent.metadata.booking_id ?? ""}</code><br>Amount <strong id="amount">${amount}</strong><br>Status <span id="status">${intent.status}</span></p>
<button id="pay">Pay ${amount}</button><button id="decline">Decline card</button>
<script>
const send = async (outcome) => {
  const r = await fetch("/api/payment/simulator/${id}/complete", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_secret: ${JSON.stringify(secret)}, outcome }) });
  const body = await r.json();
  document.getElementById("status").textContent = r.ok ? body.status : (body.detail || body.title);
};
document.getElementById("pay").onclick = () => send("succeeded");
document.getElementById("decline").onclick = () => send("failed");
</script></body></html>`);
});
