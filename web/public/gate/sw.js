/*
 * The gate scanner's offline shell, scoped to /gate/ (so it never touches the rest of the app or
 * another service worker of wider scope). A gate page loads offline once it was opened online:
 * pages under /gate/ are the one app shell (network first, the kept copy when there is no network),
 * the built files under /assets/ are immutable (kept copy first). The API is never cached: scans are
 * decided by the room, or offline by the page itself from its IndexedDB.
 * web/src/gate/offline-shell.ts registers it and puts into the cache what the first visit loaded.
 */
const CACHE = "tp-gate-shell-v1";
const SHELL = "/gate/__shell";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function shell(request) {
  try {
    const res = await fetch(request);
    if (res.ok) await (await caches.open(CACHE)).put(SHELL, res.clone());
    return res;
  } catch {
    return (await caches.match(SHELL)) ?? Response.error();
  }
}

async function asset(request) {
  const kept = await caches.match(request);
  if (kept) return kept;
  const res = await fetch(request);
  if (res.ok) await (await caches.open(CACHE)).put(request, res.clone());
  return res;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/gate/")) event.respondWith(shell(request));
  else if (url.pathname.startsWith("/assets/")) event.respondWith(asset(request));
});
