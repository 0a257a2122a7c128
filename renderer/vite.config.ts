import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type HtmlTagDescriptor, type Plugin } from 'vite';

/**
 * index.html loads the app's chunk and what it imports along with the first
 * module: main.ts imports app.ts dynamically (so the event stream connects
 * while the app is evaluated), and without these tags its download would
 * only start once main.ts runs.
 */
function preloadApp(): Plugin {
  return {
    name: 'jobtray-preload-app',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle) return html;
        const app = Object.values(ctx.bundle).find((c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/src/app.ts'));
        if (!app || app.type !== 'chunk') throw new Error('the build has no chunk for src/app.ts');
        // The app's chunk and every chunk it imports, directly or not.
        const files = new Set<string>([app.fileName]);
        for (const file of files) {
          const chunk = ctx.bundle[file];
          if (chunk?.type === 'chunk') for (const imported of chunk.imports) files.add(imported);
        }
        const scripts = [...files].filter((file) => !html.includes(`./${file}`));
        const styles = new Set<string>();
        for (const file of files) {
          const chunk = ctx.bundle[file];
          if (chunk?.type === 'chunk') for (const css of chunk.viteMetadata?.importedCss ?? []) styles.add(css);
        }
        const link = (rel: string, file: string): HtmlTagDescriptor => ({ tag: 'link', attrs: { rel, crossorigin: true, href: `./${file}` }, injectTo: 'head' });
        return { html, tags: [...scripts.map((file) => link('modulepreload', file)), ...[...styles].map((file) => link('stylesheet', file))] };
      },
    },
  };
}

/**
 * The dashboard build: renderer/ → dist/renderer/, which the headless host
 * serves at `/` (and the desktop app loads from its own protocol, hence
 * relative asset URLs). The host's CSP allows no inline script or style, so
 * nothing may be inlined into index.html.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [vue(), preloadApp()],
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
