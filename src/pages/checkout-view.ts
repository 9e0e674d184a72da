import { html } from "hono/html";
import type { IntentStatus } from "../payments/provider";

export interface CheckoutView {
  intentId: string;
  clientSecret: string;
  bookingId: string;
  /** Already formatted for people, e.g. "₩300,000". */
  amount: string;
  status: IntentStatus;
}

/** What the page can say; the script only chooses which (all text stays here, escaped). */
export const CHECKOUT_MESSAGES = {
  awaiting: ["결제 대기 중입니다. 결제하거나 카드 거절을 시험해 보세요.", "Waiting for payment: pay, or try a declined card."],
  sending: ["결제를 보내는 중입니다…", "Sending the payment…"],
  paid: ["결제가 접수되었습니다. 결제가 기록되면 예매가 확정됩니다(보통 몇 초 안에).", "Payment accepted: your booking is confirmed once the payment is recorded, usually within seconds."],
  declined: ["카드가 거절되었습니다. 예매가 취소되어 좌석이 다시 판매됩니다. 다시 시도하려면 새로 예매하세요.", "Card declined: the booking is cancelled and its seats are released for sale. To try again, make a new booking."],
  already_paid: ["이미 결제된 예매입니다.", "This booking is already paid."],
  cancelled: ["이 결제는 취소되었습니다(예매가 취소되었거나 좌석 보유 시간이 끝났습니다). 새로 예매하세요.", "This payment was cancelled: the booking was cancelled or its hold expired. Make a new booking."],
  final: ["이 결제는 이미 완료되었거나 취소되었습니다. 새로고침하면 상태를 볼 수 있습니다.", "This payment was already completed or cancelled; reload the page to see which."],
  not_found: ["결제를 찾을 수 없습니다. 링크를 확인하세요.", "Payment not found: check the link."],
  retry: ["서버에 연결하지 못했습니다. 다시 시도하세요.", "Could not reach the server. Try again."],
  error: ["결제를 보내지 못했습니다. 다시 시도하세요.", "The payment was not sent. Try again."],
} as const satisfies Record<string, readonly [ko: string, en: string]>;

export type CheckoutMessage = keyof typeof CHECKOUT_MESSAGES;

/** The message shown on arrival and whether anything can still be done. */
export function initialState(status: IntentStatus): { message: CheckoutMessage; open: boolean } {
  if (status === "succeeded") return { message: "already_paid", open: false };
  if (status === "canceled") return { message: "cancelled", open: false };
  return { message: "awaiting", open: true };
}

/**
 * The simulator's checkout page. Data reaches the script only through escaped data-* attributes
 * and the script is an external file (/checkout.js), so no value is ever parsed as code.
 */
export function renderCheckout(v: CheckoutView) {
  const { message, open } = initialState(v.status);
  const messages = Object.entries(CHECKOUT_MESSAGES).map(([key, [ko, en]]) => html`
    <p data-message="${key}"${key === message ? "" : html` hidden`}>${ko}<br><span lang="en">${en}</span>${key === "error" ? html` <span data-detail></span>` : ""}</p>`);
  const disabled = open ? "" : html` disabled`;
  return html`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>테스트 결제 · Test checkout · Ticketing Pro</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/checkout.css">
<script src="/checkout.js" defer></script></head>
<body><main id="checkout" data-intent-id="${v.intentId}" data-client-secret="${v.clientSecret}">
<h1>테스트 결제 <span lang="en">· Test checkout</span></h1>
<p>결제 시뮬레이터입니다. 실제 카드는 청구되지 않습니다.<br><span lang="en">Simulated payment: no card is charged.</span></p>
<dl><dt>예매 번호 <span lang="en">· Booking</span></dt><dd><code>${v.bookingId}</code></dd>
<dt>금액 <span lang="en">· Amount</span></dt><dd><strong>${v.amount}</strong></dd></dl>
<div class="actions"><button type="button" data-outcome="succeeded"${disabled}>결제하기 <span lang="en">· Pay ${v.amount}</span></button>
<button type="button" data-outcome="failed"${disabled}>카드 거절 <span lang="en">· Decline card</span></button></div>
<div role="status" aria-live="polite">${messages}
</div></main></body></html>`;
}
