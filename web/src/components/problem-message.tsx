import { ApiError } from "../api/problem";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/messages";

const KNOWN: Record<string, MessageKey> = {
  invalid_credentials: "error.invalid_credentials",
  email_taken: "error.email_taken",
  validation_failed: "error.validation_failed",
  not_found: "error.not_found",
  unauthorized: "error.unauthorized",
  seats_unavailable: "error.seats_unavailable",
  hold_limit_reached: "error.hold_limit_reached",
  // Paying, refunds and the waiting room (i18n area: checkout).
  ...Object.fromEntries((["booking_not_payable", "payment_unavailable", "payment_already_final", "refund_window_closed", "not_refundable",
    "queue_required", "admission_expired", "invalid_queue_token", "queue_not_enabled"] as const).map((c) => [c, `error.${c}` as const])),
};

/** What went wrong, in plain words: never a status code alone, never a blank page. */
export function useProblemText(): (error: unknown) => string {
  const { t } = useI18n();
  return (error) => {
    if (!(error instanceof ApiError)) return t("error.generic");
    if (error.status === 429) return t("error.rate_limited", { seconds: error.retryAfter ?? 5 });
    if (error.status === 503) return t("error.unavailable");
    if (error.status === 0) return t("error.network");
    const key = KNOWN[error.code];
    return key ? t(key) : t("error.generic");
  };
}

export function ProblemMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const text = useProblemText()(error);
  const retryable = onRetry && (!(error instanceof ApiError) || error.transient);
  return (
    <div role="alert" className="my-4 rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950">
      <p>{text}</p>
      {retryable && (
        <button type="button" onClick={onRetry} className="mt-2 rounded bg-amber-800 px-3 py-1 text-white hover:bg-amber-900">
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}
