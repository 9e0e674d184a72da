import { useEffect } from "react";

/**
 * Registers the service worker (web/sw/service-worker.ts, built to /sw.js) so the app shell and
 * its files are on the device once a page that must work offline was opened: the wallet (a ticket
 * opens with no network) and the gate scanner (a gate phone reloaded at a door with no signal
 * comes back with its kept manifest and queued scans). Not registered by every page: a fan who
 * never opens a ticket needs no offline copy. Built app only: the dev server has no sw.js.
 */
function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  // A failed registration only means no offline copy; the page works the same.
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
}

export const useOfflineCopy = (): void => useEffect(registerServiceWorker, []);
