import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * The dashboard build: renderer/ → dist/renderer/, which the headless host
 * serves at `/` (and the desktop app loads from its own protocol, hence
 * relative asset URLs). The host's CSP allows no inline script or style, so
 * nothing may be inlined into index.html.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Never inline assets as data: URLs into scripts or styles; CSS stays in files.
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    sourcemap: true,
    reportCompressedSize: false,
    // The build is part of `npm run build`; its per-plugin timing report is noise there.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
