/**
 * The words of every notification, per locale. Each returns a subject and lines; `null` or empty
 * lines are dropped by the renderer, so a fact we do not have is never printed as "-".
 */
import type { BookingFacts, Formatted, HoldCancelCause, Notice, RefundCause, VoidCause } from "./templates";
import type { Locale } from "./tickets";

type Copy = (n: Notice, d: BookingFacts, f: Formatted) => { subject: string; lines: (string | null)[] };

const field = (label: string, value: string) => (value ? `${label}: ${value}` : null);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
/** Refunds of a booking cancel its tickets; refunds of a payment we could not honour do not. */
const cancelsTickets = (c: RefundCause) => c === "buyer" || c === "organizer" || c === "event_cancelled" || c === "other";

const KO_HOLD: Record<HoldCancelCause, string> = {
  buyer: "요청하신 대로 결제 전 예매를 취소했습니다. 청구된 금액은 없습니다.",
  card_declined: "카드 결제가 승인되지 않아 예매가 취소되었고 좌석은 다시 판매됩니다. 청구된 금액은 없습니다.",
  event_cancelled: "공연이 취소되어 결제 전이던 예매가 취소되었습니다. 청구된 금액은 없습니다.",
  other: "예매가 취소되었습니다. 결제하신 금액이 있다면 자동으로 환불됩니다.",
};
const EN_HOLD: Record<HoldCancelCause, string> = {
  buyer: "you cancelled your booking before paying. Nothing was charged.",
  card_declined: "your card was declined, so your booking was cancelled and the seats went back on sale. Nothing was charged.",
  event_cancelled: "the event was cancelled, so your unpaid booking was cancelled. Nothing was charged.",
  other: "your booking was cancelled. Any payment will be refunded automatically.",
};
const KO_REFUND: Record<RefundCause, string> = {
  buyer: "요청하신 환불이 완료되었습니다.",
  organizer: "주최 측에서 예매를 환불했습니다.",
  event_cancelled: "공연 취소에 따른 환불이 완료되었습니다.",
  other: "예매가 환불되었습니다.",
  late_after_hold_lapsed: "결제가 예매 유효 시간이 지난 뒤 도착했고 좌석이 이미 판매되어, 결제 금액을 환불했습니다.",
  duplicate_payment: "이미 결제된 예매에 대한 중복 결제를 환불했습니다. 기존 티켓은 그대로 유효합니다.",
  booking_cancelled: "이미 취소된 예매에 결제가 도착하여 결제 금액을 환불했습니다.",
  unmatched_payment: "예매에 반영할 수 없는 결제를 환불했습니다.",
};
const EN_REFUND: Record<RefundCause, string> = {
  buyer: "your refund is complete.",
  organizer: "the organizer refunded your booking.",
  event_cancelled: "your refund for the cancelled event is complete.",
  other: "your booking was refunded.",
  late_after_hold_lapsed: "your payment arrived after your hold had expired and the seats were sold, so we refunded it.",
  duplicate_payment: "we refunded a second payment for a booking that was already paid. Your tickets remain valid.",
  booking_cancelled: "your payment arrived for a booking that had already been cancelled, so we refunded it.",
  unmatched_payment: "we refunded a payment that we could not apply to your booking.",
};

const ko: Copy = (n, d, f) => {
  const title = d.eventTitle;
  const seats = field("좌석", f.tickets);
  const booking = field("예매 번호", d.bookingId);
  switch (n.template) {
    case "booking_confirmation":
      return {
        subject: `[Ticketing Pro] 예매가 확정되었습니다: ${title}`,
        lines: [`${d.name}님, 예매가 확정되었습니다.`, field("공연", title), field("일시", f.date), field("장소", d.venue), seats,
          field("결제 금액", f.amount), booking, n.refundClosesAt ? field("환불 가능 기한", f.when(n.refundClosesAt)) : null],
      };
    case "booking_cancelled":
      return {
        subject: n.cause === "event_cancelled" ? `[Ticketing Pro] 공연 취소로 예매가 취소되었습니다: ${title}` : `[Ticketing Pro] 예매가 취소되었습니다: ${title}`,
        lines: [`${d.name}님, ${KO_HOLD[n.cause]}`, field("공연", title), field("일시", f.date), seats, booking],
      };
    case "booking_expired":
      return {
        subject: `[Ticketing Pro] 결제 시간이 지나 예매가 만료되었습니다: ${title}`,
        lines: [`${d.name}님, 결제가 완료되지 않아 예매 유효 시간이 지났고 좌석은 다시 판매됩니다.`,
          "청구된 금액은 없습니다. 결제가 진행 중이었다면 자동으로 확정되거나 환불됩니다.", field("공연", title), seats, booking],
      };
    case "refund_completed":
      return {
        subject: `[Ticketing Pro] 환불이 완료되었습니다 (${f.amount}): ${title}`,
        lines: [`${d.name}님, ${KO_REFUND[n.cause]}`, field("환불 금액", f.amount), field("공연", title),
          cancelsTickets(n.cause) ? field("취소된 티켓", f.tickets) : null, booking, "카드사에 따라 환불 금액이 표시되기까지 며칠 걸릴 수 있습니다."],
      };
    case "event_cancelled":
      return {
        subject: `[Ticketing Pro] 공연이 취소되었습니다: ${title}`,
        lines: [`${d.name}님, ${title} 공연이 취소되었습니다.`,
          `${f.count ? `티켓 ${f.count}매가` : "티켓이"} 취소되었으며, 결제하신 ${f.amount}은(는) 자동으로 환불됩니다. 따로 하실 일은 없습니다.`,
          field("원래 일시", f.date), seats, booking, "환불이 완료되면 다시 알려 드립니다."],
      };
    case "event_rescheduled":
      return {
        subject: `[Ticketing Pro] 공연 일정이 변경되었습니다: ${title}`,
        lines: [`${d.name}님, ${title} 공연 일정이 변경되었습니다.`, field("기존 일시", f.when(n.previousStartDate)), field("변경 일시", f.date),
          field("장소", d.venue), seats,
          `티켓은 변경된 일정에 그대로 유효합니다. 새 일정이 어려우시면 ${f.when(n.refundClosesAt)}까지 환불을 요청하실 수 있습니다.`, booking],
      };
    case "event_reminder": {
      const days = n.left.unit === "days";
      return {
        subject: days ? `[Ticketing Pro] D-${n.left.n}: ${title}` : `[Ticketing Pro] ${n.left.n}시간 후 시작: ${title}`,
        lines: [days ? `${d.name}님, 공연까지 ${n.left.n}일 남았습니다.` : `${d.name}님, 공연이 ${n.left.n}시간 후 시작합니다.`,
          field("공연", title), field("일시", f.date), field("장소", d.venue), seats],
      };
    }
    case "ticket_sent":
      return {
        subject: `[Ticketing Pro] 티켓을 보냈습니다: ${title}`,
        lines: [`${d.name}님, ${n.to}님에게 티켓을 보냈습니다. 이 티켓은 더 이상 회원님의 휴대폰에서 입장할 수 없습니다.`,
          field("공연", title), field("일시", f.date), seats, field("보낸 시각", f.when(n.at)), "본인이 보내지 않았다면 바로 고객센터에 알려 주세요."],
      };
    case "ticket_received":
      return {
        subject: `[Ticketing Pro] 티켓을 받았습니다: ${title}`,
        lines: [`${d.name}님, ${n.from}님이 티켓을 보냈습니다.`, field("공연", title), field("일시", f.date), field("장소", d.venue), seats,
          `내 티켓에서 열어 이 휴대폰에 등록하면 입장 코드가 표시됩니다: ${n.walletUrl}`],
      };
    case "ticket_voided":
      return {
        subject: `[Ticketing Pro] 받은 티켓이 취소되었습니다: ${title}`,
        lines: [`${d.name}님, ${VOIDED_KO[n.cause]} 받으신 티켓으로는 더 이상 입장할 수 없습니다.`, field("공연", title), field("일시", f.date), seats,
          "결제 금액은 티켓을 구매하신 분께 환불됩니다."],
      };
  }
};

const VOIDED_KO: Record<VoidCause, string> = {
  event_cancelled: "공연이 취소되어", organizer: "주최 측이 이 티켓의 예매를 환불하여", other: "이 티켓의 예매가 환불되어",
};
const VOIDED_EN: Record<VoidCause, string> = {
  event_cancelled: "the event was cancelled, so", organizer: "the organizer refunded the booking it came from, so", other: "the booking it came from was refunded, so",
};

const en: Copy = (n, d, f) => {
  const title = d.eventTitle;
  const seats = field("Seats", f.tickets);
  const booking = field("Booking", d.bookingId);
  switch (n.template) {
    case "booking_confirmation":
      return {
        subject: `[Ticketing Pro] Booking confirmed: ${title}`,
        lines: [`Hi ${d.name}, your booking is confirmed.`, field("Event", title), field("When", f.date), field("Where", d.venue), seats,
          field("Paid", f.amount), booking, n.refundClosesAt ? field("Refunds possible until", f.when(n.refundClosesAt)) : null],
      };
    case "booking_cancelled":
      return {
        subject: n.cause === "event_cancelled" ? `[Ticketing Pro] Event cancelled, booking cancelled: ${title}` : `[Ticketing Pro] Booking cancelled: ${title}`,
        lines: [`Hi ${d.name}, ${EN_HOLD[n.cause]}`, field("Event", title), field("When", f.date), seats, booking],
      };
    case "booking_expired":
      return {
        subject: `[Ticketing Pro] Your booking expired before payment: ${title}`,
        lines: [`Hi ${d.name}, your booking expired before it was paid, and the seats went back on sale.`,
          "Nothing was charged. If a payment was still going through, it will be confirmed or refunded automatically.", field("Event", title), seats, booking],
      };
    case "refund_completed":
      return {
        subject: `[Ticketing Pro] Refund completed (${f.amount}): ${title}`,
        lines: [`Hi ${d.name}, ${EN_REFUND[n.cause]}`, field("Refunded", f.amount), field("Event", title),
          cancelsTickets(n.cause) ? field("Cancelled tickets", f.tickets) : null, booking, "Depending on your card issuer, the refund may take a few days to show."],
      };
    case "event_cancelled":
      return {
        subject: `[Ticketing Pro] Event cancelled: ${title}`,
        lines: [`Hi ${d.name}, ${title} has been cancelled.`,
          `${f.count === 1 ? "Your ticket is" : f.count ? `Your ${f.count} tickets are` : "Your tickets are"} cancelled and your ${f.amount} comes back to you automatically; there is nothing you need to do.`,
          field("Was scheduled for", f.date), seats, booking, "We will email you again when the refund is complete."],
      };
    case "event_rescheduled":
      return {
        subject: `[Ticketing Pro] New date: ${title}`,
        lines: [`Hi ${d.name}, ${title} has moved to a new date.`, field("Was", f.when(n.previousStartDate)), field("Now", f.date),
          field("Where", d.venue), seats,
          `Your tickets are valid for the new date. If it does not suit you, you can ask for a refund until ${f.when(n.refundClosesAt)}.`, booking],
      };
    case "event_reminder": {
      const left = plural(n.left.n, n.left.unit === "days" ? "day" : "hour");
      return {
        subject: `[Ticketing Pro] In ${left}: ${title}`,
        lines: [`Hi ${d.name}, ${title} starts in ${left}.`, field("When", f.date), field("Where", d.venue), seats],
      };
    }
    case "ticket_sent":
      return {
        subject: `[Ticketing Pro] Ticket sent: ${title}`,
        lines: [`Hi ${d.name}, you sent your ticket to ${n.to}. It no longer admits anyone from your phone.`,
          field("Event", title), field("When", f.date), seats, field("Sent", f.when(n.at)), "If you did not send it, tell us right away."],
      };
    case "ticket_received":
      return {
        subject: `[Ticketing Pro] You received a ticket: ${title}`,
        lines: [`Hi ${d.name}, ${n.from} sent you a ticket.`, field("Event", title), field("When", f.date), field("Where", d.venue), seats,
          `Open it in your wallet and add it to this phone to show your entry code: ${n.walletUrl}`],
      };
    case "ticket_voided":
      return {
        subject: `[Ticketing Pro] A ticket you received was cancelled: ${title}`,
        lines: [`Hi ${d.name}, ${VOIDED_EN[n.cause]} the ticket you received no longer admits anyone.`, field("Event", title), field("When", f.date), seats,
          "The money goes back to whoever paid for the ticket."],
      };
  }
};

export const COPY: Record<Locale, Copy> = { ko, en };
