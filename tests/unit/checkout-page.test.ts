import { describe, expect, it } from "vitest";
import { formatMoney } from "../../src/domain/money";
import { CHECKOUT_SCRIPT } from "../../src/pages/checkout-assets";
import { CHECKOUT_MESSAGES, initialState, renderCheckout, type CheckoutView } from "../../src/pages/checkout-view";

// The checkout page as a class of problem: no value may ever become code, whatever it holds.
const hostile = [
  `</script><script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `'; alert(3); //`, `\${alert(4)}`, `&quot;&amp;`, `\u2028\u2029`,
];
const view = (over: Partial<CheckoutView> = {}): CheckoutView => ({
  intentId: "pi_sim_1", clientSecret: "pi_sim_1_secret_abc", bookingId: "b-1", amount: "₩300,000", status: "requires_payment_method", ...over,
});
const render = async (v: CheckoutView) => String(await renderCheckout(v));
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The page as a browser's parser sees it (workerd's HTMLRewriter): every element, its attributes, and script text. */
async function parse(page: string) {
  const elements: { tag: string; attrs: Record<string, string> }[] = [];
  let scriptText = "";
  await new HTMLRewriter()
    .on("*", { element: (e) => { elements.push({ tag: e.tagName, attrs: Object.fromEntries(e.attributes) }); } })
    .on("script", { text: (t) => { scriptText += t.text; } })
    .transform(new Response(page)).text();
  return { elements, scriptText };
}

describe("checkout page rendering", () => {
  /** What must hold for any data: one external script, no script text, no handler attribute, no injected element. */
  async function expectInert(page: string) {
    const { elements, scriptText } = await parse(page);
    expect(elements.filter((e) => e.tag === "script").map((e) => e.attrs)).toEqual([{ src: "/checkout.js", defer: "" }]);
    expect(scriptText).toBe("");
    expect(elements.flatMap((e) => Object.keys(e.attrs)).filter((a) => a.startsWith("on"))).toEqual([]);
    expect(elements.map((e) => e.tag).filter((t) => ["img", "style", "iframe", "object"].includes(t))).toEqual([]);
    return elements;
  }

  it("has no inline script and no inline handler, only the external /checkout.js", async () => {
    await expectInert(await render(view()));
  });

  for (const value of hostile) {
    it(`keeps ${JSON.stringify(value)} inert in every field`, async () => {
      const page = await render(view({ intentId: value, clientSecret: value, bookingId: value, amount: value }));
      const elements = await expectInert(page);
      const main = elements.find((e) => e.tag === "main");
      expect(main?.attrs["data-intent-id"]).toBe(escapeHtml(value));
      expect(main?.attrs["data-client-secret"]).toBe(escapeHtml(value));
      expect(page).toContain(`<code>${escapeHtml(value)}</code>`);
    });
  }

  it("opens with the state the payment is in, and offers buttons only while something can be done", async () => {
    expect(initialState("requires_payment_method")).toEqual({ message: "awaiting", open: true });
    expect(initialState("succeeded")).toEqual({ message: "already_paid", open: false });
    expect(initialState("canceled")).toEqual({ message: "cancelled", open: false });
    const visible = (page: string) => [...page.matchAll(/data-message="(\w+)"(?! hidden)/g)].map((m) => m[1]);
    const open = await render(view());
    expect(visible(open)).toEqual(["awaiting"]);
    expect(open.match(/<button[^>]*disabled/g)).toBeNull();
    for (const status of ["succeeded", "canceled"] as const) {
      const closed = await render(view({ status }));
      expect(visible(closed)).toEqual([initialState(status).message]);
      expect(closed.match(/<button[^>]*disabled/g)).toHaveLength(2);
    }
  });

  it("says every outcome in Korean and English, and the script only names messages the page has", async () => {
    const page = await render(view());
    for (const [key, [ko, en]] of Object.entries(CHECKOUT_MESSAGES)) {
      expect(page).toContain(`data-message="${key}"`);
      expect(page).toContain(escapeHtml(ko));
      expect(page).toContain(escapeHtml(en));
    }
    // The messages the script switches to after a click (the others are chosen on the server).
    const quoted = new Set([...CHECKOUT_SCRIPT.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]));
    expect(Object.keys(CHECKOUT_MESSAGES).filter((k) => quoted.has(k)).sort()).toEqual(["declined", "error", "final", "not_found", "paid", "retry", "sending"]);
    // A paid booking is confirmed by the saga, not by the page; a decline cancels the hold.
    expect(CHECKOUT_MESSAGES.paid[1]).toContain("confirmed once the payment is recorded");
    expect(CHECKOUT_MESSAGES.declined[1]).toContain("seats are released");
  });

  it("formats amounts in the currency's minor units", () => {
    expect(formatMoney(300000, "KRW")).toBe("₩300,000");
    expect(formatMoney(1250, "usd", "en-US")).toBe("$12.50");
    expect(formatMoney(500, "JPY", "en-US")).toBe("¥500");
  });
});
