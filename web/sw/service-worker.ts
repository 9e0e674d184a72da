/**
 * The app's service worker (served as /sw.js, built by web/sw/plugin.ts, which fills in
 * __SW_BUILD__: this build's id and every file Vite wrote, hashed names and all).
 *
 * - Install: caches the app shell and every built file under one cache per build.
 * - Fetch: built files from that cache; page navigations from the network, and the cached shell
 *   when there is none (so /tickets/:id and /gate/:event open offline; the ticket, or the gate's
 *   manifest and queued scans, come from IndexedDB).
 *   API answers (/api/*) and the Worker's own pages are never touched, never cached: the only
 *   account data on the phone is what the wallet stores itself.
 * - Update: a new build is a new sw.js (its id changes), so the browser installs it next to the
 *   old one; it takes over once no page of the old build is open (no skipWaiting: an open page may
 *   still load its own build's lazy chunks), then deletes every older build's cache.
 */
declare const __SW_BUILD__: { version: string; files: string[] };

const BUILD = __SW_BUILD__;
const PREFIX = "tp-app-";
const CACHE = `${PREFIX}${BUILD.version}`;
/** The shell is the same index.html for every app route; kept under one key. */
const SHELL_KEY = "/__app-shell";
/** Paths the Worker answers itself: passed through untouched. */
const WORKER_PATHS = [/^\/api\//, /^\/dev\//, /^\/health$/, /^\/\.well-known\//, /^\/checkout(\/|\.|$)/];

function isServiceWorker(scope: unknown): scope is ServiceWorkerGlobalScope {
  return typeof ServiceWorkerGlobalScope !== "undefined" && scope instanceof ServiceWorkerGlobalScope;
}
if (!isServiceWorker(self)) throw new Error("sw.js must run as a service worker");
const sw: ServiceWorkerGlobalScope = self;

async function precache(): Promise<void> {
  const cache = await caches.open(CACHE);
  // "/" answers browsers (Accept: text/html) with the app and API clients with JSON: ask as a browser.
  const shell = await fetch(new Request("/", { headers: { Accept: "text/html" }, cache: "reload" }));
  if (!shell.ok || !shell.headers.get("content-type")?.includes("text/html")) throw new Error(`app shell: ${shell.status}`);
  await cache.put(SHELL_KEY, shell);
  await cache.addAll(BUILD.files.map((f) => new Request(f, { cache: "reload" })));
}

async function dropOldBuilds(): Promise<void> {
  for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
}

async function fromNetworkOrShell(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (offline) {
    const shell = await caches.match(SHELL_KEY, { cacheName: CACHE });
    if (shell) return shell;
    throw offline;
  }
}

async function builtFile(request: Request): Promise<Response> {
  return (await caches.match(request, { cacheName: CACHE })) ?? fetch(request);
}

const builtPaths = new Set(BUILD.files);

sw.addEventListener("install", (event) => event.waitUntil(precache()));
sw.addEventListener("activate", (event) => event.waitUntil(dropOldBuilds().then(() => sw.clients.claim())));
sw.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== sw.location.origin) return;
  if (WORKER_PATHS.some((p) => p.test(url.pathname))) return;
  if (request.mode === "navigate") event.respondWith(fromNetworkOrShell(request));
  else if (builtPaths.has(url.pathname)) event.respondWith(builtFile(request));
});
