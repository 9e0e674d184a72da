/**
 * The checkout page's script and style, served as files (/checkout.js, /checkout.css) so the page
 * has no inline code and keeps working under a strict Content-Security-Policy. The script holds no
 * data: it reads the intent id and client secret from the page's data-* attributes, and every
 * word it can show is already in the page (it only picks which message to unhide).
 */
export const CHECKOUT_SCRIPT = `"use strict";
(function () {
  var root = document.getElementById("checkout");
  if (!root) return;
  var buttons = Array.prototype.slice.call(root.querySelectorAll("button[data-outcome]"));
  var status = root.querySelector("[role=status]");

  function show(name, detail) {
    root.querySelectorAll("[data-message]").forEach(function (el) { el.hidden = el.getAttribute("data-message") !== name; });
    var slot = root.querySelector("[data-message=" + name + "] [data-detail]");
    if (slot) slot.textContent = detail || "";
  }
  function setEnabled(enabled) {
    buttons.forEach(function (b) { b.disabled = !enabled; });
  }

  // Which message a response means, and whether the buyer may try again.
  function outcomeOf(res, body) {
    if (res.status === 202) return { message: body && body.status === "succeeded" ? "paid" : "declined", again: false };
    if (res.status === 409) return { message: "final", again: false };
    if (res.status === 404) return { message: "not_found", again: false };
    var detail = body && (body.detail || body.title) ? String(body.detail || body.title) : "HTTP " + res.status;
    return { message: "error", detail: detail, again: true };
  }

  async function send(outcome) {
    setEnabled(false);
    status.setAttribute("aria-busy", "true");
    show("sending");
    var result;
    try {
      var res = await fetch("/api/payment/simulator/" + encodeURIComponent(root.dataset.intentId || "") + "/complete", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ client_secret: root.dataset.clientSecret || "", outcome: outcome }),
      });
      var body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      result = outcomeOf(res, body);
    } catch (e) {
      result = { message: "retry", again: true };
    }
    status.removeAttribute("aria-busy");
    show(result.message, result.detail);
    setEnabled(result.again);
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      if (b.disabled) return;
      void send(b.getAttribute("data-outcome"));
    });
  });
})();
`;

export const CHECKOUT_STYLE = `body{font-family:system-ui,"Noto Sans CJK KR",sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
button{font-size:1rem;padding:.6rem 1.2rem;border:1px solid #1d4ed8;border-radius:.4rem;background:#1d4ed8;color:#fff;cursor:pointer}
button[data-outcome=failed]{background:#fff;color:#1d4ed8}
button:disabled{opacity:.55;cursor:not-allowed}
[role=status]{border-left:4px solid #1d4ed8;padding:.25rem .75rem;background:#eff6ff}
[role=status][aria-busy=true]{border-color:#6b7280}
`;
