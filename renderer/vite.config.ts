import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type HtmlTagDescriptor, type Plugin } from 'vite';

/**
 * index.html fetches the app's chunk, what it imports and its styles along
 * with the first module: main.ts imports app.ts dynamically (so the event
 * stream connects while the app is evaluated), and without these tags their
 * download would only start once main.ts runs.
 */
const MAIN = fileURLToPath(new URL('./src/main.ts', import.meta.url));
const APP = fileURLToPath(new URL('./src/app.ts', import.meta.url));

/** Modules `from` imports statically, directly or not. */
function staticImports(from: string, info: (id: string) => { importedIds: readonly string[] } | null): Set<string> {
  const found = new Set<string>([from]);
  for (const id of found) for (const imported of info(id)?.importedIds ?? []) found.add(imported);
  return found;
}

/**
 * One `app` chunk for what app.ts needs and main.ts does not: the first screen
 * loads in a few files instead of a dozen small shared chunks (the host answers
 * one request at a time; a browser opens six connections, one of them the
 * event stream). The screens opened later still load on their own.
 */
function appChunk(): (
  id: string,
  ctx: { getModuleInfo(id: string): { importedIds: readonly string[] } | null },
) => string | null {
  let app: Set<string> | null = null;
  let main: Set<string> | null = null;
  return (id, ctx) => {
    app ??= staticImports(APP, (m) => ctx.getModuleInfo(m));
    main ??= staticImports(MAIN, (m) => ctx.getModuleInfo(m));
    return app.has(id) && !main.has(id) ? 'app' : null;
  };
}

function preloadApp(): Plugin {
  return {
    name: 'jobtray-preload-app',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle) return html;
        const app = Object.values(ctx.bundle).find((c) => c.type === 'chunk' && c.moduleIds.includes(APP));
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
        const link = (attrs: Record<string, string | true>): HtmlTagDescriptor => ({
          tag: 'link',
          attrs: { crossorigin: true, ...attrs },
          injectTo: 'head',
        });
        return {
          html,
          tags: [
            ...scripts.map((file) => link({ rel: 'modulepreload', href: `./${file}` })),
            // Fetched now, applied by Vite's loader with the app: a stylesheet link would hold main.ts until it arrived.
            ...[...styles].map((file) => link({ rel: 'preload', as: 'style', href: `./${file}` })),
          ],
        };
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
    rolldownOptions: {
      checks: { pluginTimings: false },
      output: { codeSplitting: { groups: [{ name: appChunk(), includeDependenciesRecursively: false }] } },
    },
  },
});
