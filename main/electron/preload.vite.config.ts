import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The preload as ONE CommonJS file, dist/preload/preload.cjs: a sandboxed
 * preload can require only `electron` (and a few Node shims), never a local
 * file, and cannot be ESM. Everything it imports from contract/ is inlined.
 */
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../../dist/preload', import.meta.url)),
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: fileURLToPath(new URL('./preload.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rollupOptions: { external: ['electron'] },
  },
});
