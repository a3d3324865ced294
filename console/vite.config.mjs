// Vite builds console/ into console/dist: relative URLs (base './'), hashed asset names, one entry
// chunk plus the preview player (mpegts.js) loaded only when a preview starts. console/build.mjs
// runs it; the server embeds the result (console/embed.cmake).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2020',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
