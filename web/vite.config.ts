import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { offlineApp } from "./sw/plugin";

// The fan's web app, built to static assets that the Worker serves (wrangler.toml [assets]).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), tailwindcss(), offlineApp()],
  build: { outDir: "../dist/web", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
});
