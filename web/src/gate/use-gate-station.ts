import { useEffect, useMemo, useSyncExternalStore } from "react";
import { scanBody } from "../../../src/contract/gate";
import { GateStation, type StationView } from "./gate-station";

/** The gate's station for this page, started while the page is open. */
export function useGateStation(eventId: string, gateId: string): { station: GateStation; view: StationView } {
  const station = useMemo(() => new GateStation(eventId, gateId), [eventId, gateId]);
  useEffect(() => {
    void station.start();
    return () => station.stop();
  }, [station]);
  return { station, view: useSyncExternalStore(station.subscribe, station.snapshot) };
}

const GATE_KEY = "tp.gate.id";

/** The gate this device stands at: chosen once, kept on the device (the API's own rule for gate ids). */
export const deviceGate = {
  valid: (id: string): boolean => scanBody.shape.gate_id.safeParse(id).success,
  get: (): string | null => {
    const v = localStorage.getItem(GATE_KEY);
    return v && deviceGate.valid(v) ? v : null;
  },
  set: (id: string): void => localStorage.setItem(GATE_KEY, id),
  clear: (): void => localStorage.removeItem(GATE_KEY),
};
