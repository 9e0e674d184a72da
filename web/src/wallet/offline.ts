import { useEffect } from "react";

/**
 * Registers the service worker (web/sw/service-worker.ts, built to /sw.js) so the app shell and
 * its files are on the phone once the wallet was opened: a ticket then opens with no network.
 * Registered by the wallet's pages, not by every page: a fan who never opens a ticket needs no
 * offline copy. Built app only: the dev server has no sw.js.
 */
function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  // A failed registration only means no offline copy; the page works the same.
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
}

export const useOfflineWallet = (): void => useEffect(registerServiceWorker, []);
