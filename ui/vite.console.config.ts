import { renameSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, type Plugin } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The web console (issue 14): a second entry, built into dist-console/ and embedded in the
// terrain-server binary, which serves it at `/`. Everything is bundled (CSP default-src 'self':
// no CDN, no remote font, no inline script); the page is index.html there.
const OUT = "dist-console";
const asIndex: Plugin = {
  name: "console-as-index",
  apply: "build",
  closeBundle() {
    renameSync(join(OUT, "console.html"), join(OUT, "index.html"));
  },
};

export default defineConfig({
  plugins: [svelte(), asIndex],
  clearScreen: false,
  build: {
    target: "es2020",
    outDir: OUT,
    emptyOutDir: true,
    // No inline script or style: a CSP of default-src 'self' allows only files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: { input: "console.html" },
  },
});
