import { useSyncExternalStore } from "react";

const subscribe = (onChange: () => void) => {
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  return () => { window.removeEventListener("online", onChange); window.removeEventListener("offline", onChange); };
};

/** Whether the browser thinks it has a network: the wallet reads IndexedDB instead of calling the API when not. */
export const useOnline = (): boolean => useSyncExternalStore(subscribe, () => navigator.onLine);
