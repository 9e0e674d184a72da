import { systemOperations as op } from "../contract/system";
import { formatMoney } from "../domain/money";
import { intentPathId, readQuery } from "../middleware/params";
import { simulatorEnabled } from "../payments";
import { problems } from "../problem";
import { ApiRoutes } from "../routes/api-routes";
import { CHECKOUT_SCRIPT, CHECKOUT_STYLE } from "./checkout-assets";
import { renderCheckout } from "./checkout-view";

const asset = (body: string, type: string) => new Response(body, {
  headers: { "content-type": `${type}; charset=utf-8`, "cache-control": "public, max-age=300", "x-content-type-options": "nosniff" },
});

/** The simulator's test checkout (local development only): a page a person can use to pay or decline a held booking. */
export const checkoutPage = new ApiRoutes("")
  .serve(op.checkoutScript, (c) => {
    if (!simulatorEnabled(c.env)) throw problems.notFound("Checkout");
    return asset(CHECKOUT_SCRIPT, "text/javascript");
  })
  .serve(op.checkoutStyle, (c) => {
    if (!simulatorEnabled(c.env)) throw problems.notFound("Checkout");
    return asset(CHECKOUT_STYLE, "text/css");
  })
  .serve(op.checkoutPage, async (c) => {
    if (!simulatorEnabled(c.env)) throw problems.notFound("Checkout");
    const id = intentPathId(c.req.param("intent_id"), "Payment intent");
    const { client_secret: secret } = readQuery(c, op.checkoutPage.request.query);
    const sim = c.env.PAYMENT_SIMULATOR.get(c.env.PAYMENT_SIMULATOR.idFromName("simulator"));
    const intent = await sim.retrieve(id);
    if (!intent || intent.clientSecret !== secret) throw problems.notFound("Payment intent");
    return c.html(renderCheckout({
      intentId: intent.id, clientSecret: secret, bookingId: intent.metadata.booking_id ?? "",
      amount: formatMoney(intent.amount, intent.currency), status: intent.status,
    }));
  });
