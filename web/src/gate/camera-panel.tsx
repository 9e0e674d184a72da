import { useEffect, useRef, useState } from "react";
import { buttonClass } from "../components/field";
import { useI18n } from "../i18n/i18n";
import { decodeTicketCode } from "../../../src/domain/tickets/code";
import { startScanning } from "./camera";

/** Reads of one ticket are one read, whatever its rotating code says now. */
const ticketOf = (text: string): string => {
  const d = decodeTicketCode(text);
  return "problem" in d ? text : d.signedCore.core.ticketId;
};

/** The camera: off until staff turn it on (the permission prompt needs a tap), off again when the page goes. */
export function CameraPanel({ onCode }: { onCode: (text: string) => void }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const stopRef = useRef<(() => void) | null>(null);
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;
  const [on, setOn] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => () => stopRef.current?.(), []);

  const toggle = async () => {
    if (stopRef.current) {
      stopRef.current();
      stopRef.current = null;
      setOn(false);
      return;
    }
    const el = video.current;
    if (!el) return;
    setFailed(false);
    setOn(true);
    try {
      stopRef.current = await startScanning(el, (text) => onCodeRef.current(text), ticketOf);
    } catch {
      setOn(false);
      setFailed(true);
    }
  };

  return (
    <div className="flex flex-col gap-2">
      <button type="button" onClick={() => void toggle()} className={`${buttonClass} min-h-14 text-xl`} aria-pressed={on}>
        {on ? t("gate.camera.stop") : t("gate.camera.start")}
      </button>
      <video ref={video} muted playsInline aria-label={t("gate.camera.view")} data-testid="gate-camera"
        className={on ? "aspect-square w-full rounded-xl bg-black object-cover" : "hidden"} />
      {failed && <p role="alert" className="text-red-800">{t("gate.camera.failed")}</p>}
    </div>
  );
}
