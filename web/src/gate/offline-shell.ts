/**
 * Makes the gate page load with no network once it was opened online: registers the gate's own
 * service worker (public/gate/sw.js, scope /gate/ only) and puts into its cache what this first
 * visit already loaded before the worker was there: the page itself and its built files (the
 * camera's zxing-wasm binary too, so the fallback reader works offline).
 */
import zxingWasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";

const CACHE = "tp-gate-shell-v1";
const SHELL = "/gate/__shell";

const builtFiles = (): string[] => {
  const loaded = performance.getEntriesByType("resource").map((e) => e.name);
  const urls = [...loaded, new URL(zxingWasmUrl, location.href).href].filter((u) => {
    const url = new URL(u);
    return url.origin === location.origin && url.pathname.startsWith("/assets/");
  });
  return [...new Set(urls)];
};

export async function keepShellOffline(): Promise<void> {
  if (!("serviceWorker" in navigator) || !("caches" in globalThis)) return;
  try {
    await navigator.serviceWorker.register("/gate/sw.js", { scope: "/gate/" });
    const cache = await caches.open(CACHE);
    if (!(await cache.match(SHELL))) {
      // Every app path is the same index.html; "/" hands it out to anything that accepts HTML.
      const page = await fetch("/", { headers: { Accept: "text/html" } });
      if (page.ok && page.headers.get("content-type")?.includes("text/html")) await cache.put(SHELL, page);
    }
    const missing = (await Promise.all(builtFiles().map(async (u) => ((await cache.match(u)) ? null : u)))).filter((u): u is string => u !== null);
    await cache.addAll(missing);
    await navigator.serviceWorker.ready;
    document.documentElement.dataset.gateShell = "offline-ready";
  } catch {
    // No offline shell (private mode, storage full): the open page still works offline from memory and IndexedDB.
  }
}
