import { useMemo } from "react";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/messages";

/** A gate account's scans are recorded as `<gate>@<account id>` (one account cannot pass for another): staff see the gate. */
export const shownGate = (recorded: string): string => recorded.split("@")[0] ?? recorded;
import { isGreen, type GateAnswer, type Verdict } from "./answer";

const VERDICT: Record<Verdict, MessageKey> = {
  admitted: "gate.verdict.admitted", exited: "gate.verdict.exited", already_used: "gate.verdict.already_used",
  revoked: "gate.verdict.revoked", expired_code: "gate.verdict.expired_code", not_yet_valid: "gate.verdict.not_yet_valid",
  wrong_event: "gate.verdict.wrong_event", invalid: "gate.verdict.invalid", no_manifest: "gate.verdict.no_manifest",
};

const REASON: Partial<Record<string, MessageKey>> = {
  code_too_old: "gate.reason.code_too_old", ticket_ended: "gate.reason.ticket_ended", code_from_future: "gate.reason.code_from_future",
  ticket_not_started: "gate.reason.ticket_not_started", bad_device_signature: "gate.reason.bad_device_signature",
  bad_issuer_signature: "gate.reason.bad_issuer_signature", malformed: "gate.reason.malformed", too_large: "gate.reason.too_large",
  unsupported_version: "gate.reason.unsupported_version", unknown_key: "gate.reason.unknown_key",
};

/** Wall-clock time as HH:MM:SS in the page's language (what staff compare with their watch). */
export function useClockTime(): (epochMs: number) => string {
  const { lang } = useI18n();
  return useMemo(() => {
    const f = new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    return (ms: number) => f.format(new Date(ms));
  }, [lang]);
}

/** The big answer: green to let in, red to stop, with why in words (readable at arm's length). */
export function AnswerPanel({ answer }: { answer: GateAnswer | null }) {
  const { t } = useI18n();
  const time = useClockTime();
  const tone = !answer ? "bg-slate-200 text-slate-900" : isGreen(answer) ? "bg-green-800 text-white" : "bg-red-800 text-white";
  const reason = answer?.reason ? REASON[answer.reason] : undefined;
  return (
    <div role="status" data-testid="gate-answer" data-verdict={answer?.verdict ?? "none"}
      className={`flex min-h-48 flex-col items-center justify-center gap-2 rounded-2xl p-6 text-center ${tone}`}>
      {!answer ? <p className="text-2xl font-semibold">{t("gate.answer.waiting")}</p> : (
        <>
          <p className="text-5xl font-extrabold" data-testid="gate-verdict">{t(VERDICT[answer.verdict])}</p>
          {answer.label && <p className="text-2xl font-semibold">{answer.label}</p>}
          {answer.first && <p className="text-xl" data-testid="gate-first-scan">{t("gate.first", { time: time(answer.first.at), gate: shownGate(answer.first.gateId) })}</p>}
          {reason && <p className="text-xl">{t(reason)}</p>}
          {answer.offline && <p className="text-lg">{t("gate.offlineDecision")}</p>}
          <p className="text-base">{time(answer.at)}</p>
        </>
      )}
    </div>
  );
}
