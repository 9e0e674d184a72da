/**
 * Builds what makes the app installable and usable offline, after Vite wrote the app: the icons,
 * the web app manifest and /sw.js with this build's file list and id inlined (service-worker.ts).
 * A new build has new hashed names, so a new id, so a new sw.js: the browser sees the update.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { transformWithOxc, type Plugin } from "vite";
import { iconPng } from "./icons";

const ICON_SIZES = [192, 512] as const;
const THEME = "#3730a3";

const manifest = () => JSON.stringify({
  name: "티켓팅 프로 Ticketing Pro",
  short_name: "티켓팅 프로",
  description: "공연 예매와 모바일 티켓 · Book events and carry your tickets",
  lang: "ko",
  start_url: "/tickets",
  scope: "/",
  display: "standalone",
  background_color: "#f8fafc",
  theme_color: THEME,
  icons: ICON_SIZES.flatMap((s) => [
    { src: `/icons/icon-${s}.png`, sizes: `${s}x${s}`, type: "image/png", purpose: "any" },
    { src: `/icons/icon-${s}.png`, sizes: `${s}x${s}`, type: "image/png", purpose: "maskable" },
  ]),
}, null, 2);

export function offlineApp(): Plugin {
  return {
    name: "tp-offline-app",
    apply: "build",
    async generateBundle(_options, bundle) {
      const extra = new Map<string, string | Uint8Array>(ICON_SIZES.map((s) => [`icons/icon-${s}.png`, iconPng(s)]));
      extra.set("manifest.webmanifest", manifest());
      for (const [fileName, source] of extra) this.emitFile({ type: "asset", fileName, source });
      // Every file of this build except the page itself (the worker caches "/" as the shell) and maps.
      const built = Object.keys(bundle).filter((f) => f !== "index.html" && !f.endsWith(".map"));
      const files = [...new Set([...built, ...extra.keys()])].map((f) => `/${f}`).sort();
      const page = bundle["index.html"];
      const pageText = page?.type === "asset" ? String(page.source) : "";
      const version = createHash("sha256").update(files.join("\n")).update(pageText).digest("hex").slice(0, 16);
      const sourcePath = join(import.meta.dirname, "service-worker.ts");
      const { code } = await transformWithOxc(readFileSync(sourcePath, "utf8"), sourcePath, { lang: "ts" });
      const source = code.replace("__SW_BUILD__", JSON.stringify({ version, files }));
      if (source === code) throw new Error("service-worker.ts lost its __SW_BUILD__ placeholder");
      this.emitFile({ type: "asset", fileName: "sw.js", source });
    },
  };
}
