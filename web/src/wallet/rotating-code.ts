import { useEffect, useState } from "react";
import { makeTicketCode } from "../../../src/domain/tickets/code";
import { fromBase64Url } from "../../../src/domain/tickets/bytes";
import { deviceKey } from "./store";

/** A code lives 30 s at the gate (docs/tickets.md); re-signing every 5 s keeps a copy short-lived. */
export const ROTATE_MS = 5_000;

export interface RotatingCode { code: string; madeAt: number }

/**
 * The displayed code, re-signed by this phone's key every ROTATE_MS with the current time: the
 * signed core plus a timestamp, signed with the non-extractable key from IndexedDB. Works offline.
 */
export function useRotatingCode(core: string | null): { current: RotatingCode | null; failed: boolean } {
  const [current, setCurrent] = useState<RotatingCode | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setCurrent(null);
    const bytes = core ? fromBase64Url(core) : null;
    if (!bytes) return;
    let live = true;
    const make = async () => {
      try {
        const { privateKey } = await deviceKey();
        const madeAt = Date.now();
        const code = await makeTicketCode(bytes, privateKey, madeAt);
        if (live) { setCurrent({ code, madeAt }); setFailed(false); }
      } catch {
        if (live) setFailed(true);
      }
    };
    void make();
    const timer = setInterval(() => void make(), ROTATE_MS);
    return () => { live = false; clearInterval(timer); };
  }, [core]);
  return { current, failed };
}
