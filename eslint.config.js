// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

/*
 * Layer rules (README "Layout"). Each folder may import only the layers below it;
 * a forbidden import fails the lint. test/unit/lint.layers.test.ts proves each rule.
 *
 *   contract/     nothing of the project but contract/; no Node builtins (the browser dashboard imports it)
 *   main/shared/  contract/ (small Node helpers the engine, host and CLI all need)
 *   main/engine/, workers/   contract/ (+ main/shared/ for the engine)
 *                 workers/command-supervisor.ts also main/engine/store/index.js (it stores its commands' output)
 *   main/api/, main/notify/  main/engine/, contract/, main/shared/
 *   main/desktop/ main/engine/, contract/, main/shared/ (the desktop app's decisions, as plain functions)
 *   main/host/    everything it composes, never main/cli/
 *   main/cli/     contract/, main/host/, main/shared/ (it talks to the engine over HTTP)
 *   renderer/     contract/ only; no Node builtins
 *   electron      only from main/electron/
 *
 * Relative imports are matched as written: `(../)+` at any depth, then the folder
 * (with or without `main/`), so both `../api/x.js` and `../../main/api/x.js` match `api`.
 */

/** A pattern forbidding relative imports of the named folders. */
function folders(names, message) {
  return { regex: `^(?:\\.\\./)+(?:main/)?(?:${names.join('|')})(?:/|$)`, caseSensitive: true, message };
}

const ELECTRON_ONLY_IN_MAIN_ELECTRON =
  'Only main/electron/ imports electron; everything else runs in plain Node or the browser (docs/ARCHITECTURE.md "Layers").';
const NO_ELECTRON = {
  paths: [{ name: 'electron', message: ELECTRON_ONLY_IN_MAIN_ELECTRON }],
  patterns: [{ group: ['electron/*'], message: ELECTRON_ONLY_IN_MAIN_ELECTRON }],
};

/** Node's builtin modules, bare (`fs`, `fs/promises`) and `node:`-prefixed. */
function noNodeBuiltins(message) {
  return {
    paths: builtinModules.filter((name) => !name.startsWith('_')).map((name) => ({ name, message })),
    patterns: [{ regex: '^node:', message }],
  };
}

/** `no-restricted-imports` for one layer: no electron, plus its own restrictions. */
function layer(...restrictions) {
  const all = [NO_ELECTRON, ...restrictions];
  return {
    'no-restricted-imports': [
      'error',
      { paths: all.flatMap((r) => r.paths ?? []), patterns: all.flatMap((r) => r.patterns ?? []) },
    ],
  };
}

const BROWSER_SAFE = 'runs in the browser too: no Node builtins (docs/ARCHITECTURE.md "Layers")';
/** Node globals a browser lacks; browser-safe folders may not touch them. */
const NODE_GLOBALS = [
  'process',
  'Buffer',
  'global',
  'require',
  'module',
  '__dirname',
  '__filename',
  'setImmediate',
  'clearImmediate',
].map((name) => ({
  name,
  message: `a Node global; this folder ${BROWSER_SAFE}.`,
}));

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'resources/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Everything not named below (main/start.ts, bench/, test/, bin/): no electron.
  { rules: layer() },
  {
    files: ['contract/**'],
    rules: {
      ...layer(
        {
          patterns: [
            folders(
              ['main', 'workers', 'renderer', 'bench', 'test', 'bin', 'scripts', 'resources'],
              'contract/ imports only contract/ (and zod, croner, ms): the CLI, the engine and the browser dashboard all import it.',
            ),
          ],
        },
        noNodeBuiltins(`contract/ ${BROWSER_SAFE}.`),
      ),
      'no-restricted-globals': ['error', ...NODE_GLOBALS],
    },
  },
  {
    files: ['main/shared/**'],
    rules: layer({
      patterns: [
        folders(
          ['engine', 'api', 'host', 'cli', 'notify', 'electron', 'workers', 'renderer'],
          'main/shared/ imports only contract/: every part of main/ may import it.',
        ),
      ],
    }),
  },
  {
    files: ['main/engine/**'],
    rules: layer({
      patterns: [
        folders(
          ['api', 'host', 'cli', 'notify', 'electron', 'workers', 'renderer'],
          'The engine imports only contract/ and main/shared/: the API, host, CLI, notifications and Electron are built on it, not the other way round.',
        ),
      ],
    }),
  },
  {
    files: ['workers/**'],
    rules: layer({
      patterns: [
        folders(
          ['main', 'renderer'],
          'The worker imports only contract/: it runs in its own thread and speaks the worker protocol.',
        ),
      ],
    }),
  },
  {
    // The one exception: the command supervisor stores its commands' output itself, with its own
    // connection to the run store (workers/command-supervisor.ts), so it may import the store's index.
    files: ['workers/command-supervisor.ts'],
    rules: layer({
      patterns: [
        {
          regex: '^(?:\\.\\./)+(?:main(?!/engine/store/index\\.js$)|renderer)(?:/|$)',
          caseSensitive: true,
          message:
            'The command supervisor imports only contract/, the other workers/ modules and the run store (main/engine/store/index.js).',
        },
      ],
    }),
  },
  {
    files: ['main/api/**'],
    rules: layer({
      patterns: [
        folders(
          ['host', 'cli', 'notify', 'electron', 'workers', 'renderer'],
          'The Local API imports only main/engine/, contract/ and main/shared/.',
        ),
      ],
    }),
  },
  {
    files: ['main/notify/**'],
    rules: layer({
      patterns: [
        folders(
          ['api', 'host', 'cli', 'electron', 'workers', 'renderer'],
          'Notifications import only main/engine/, contract/ and main/shared/: they consume engine events.',
        ),
      ],
    }),
  },
  {
    files: ['main/desktop/**'],
    rules: layer({
      patterns: [
        folders(
          ['api', 'host', 'cli', 'notify', 'electron', 'workers', 'renderer'],
          "main/desktop/ holds the desktop app's decisions as plain functions: it imports main/engine/, contract/ and main/shared/, never Electron, so plain Node tests reach all of it.",
        ),
      ],
    }),
  },
  {
    files: ['main/host/**'],
    rules: layer({
      patterns: [
        folders(
          ['cli', 'electron', 'workers', 'renderer'],
          'The headless host composes the engine, API and notifications; it never imports the CLI, Electron, the worker or the renderer.',
        ),
      ],
    }),
  },
  {
    files: ['main/cli/**'],
    rules: layer({
      patterns: [
        folders(
          ['engine', 'api', 'notify', 'electron', 'workers', 'renderer'],
          'The CLI imports only contract/, main/host/ and main/shared/: it talks to the engine over the Local API.',
        ),
      ],
    }),
  },
  {
    files: ['main/electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            folders(
              ['cli', 'workers', 'renderer'],
              'Electron loads the renderer as a page and the worker through Bree; it never imports them, nor the CLI.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    // The Vite config runs in Node at build time, not in the page.
    ignores: ['renderer/vite.config.ts'],
    rules: {
      ...layer(
        {
          patterns: [
            folders(
              ['main', 'workers', 'bench', 'test', 'bin', 'scripts', 'resources'],
              'The renderer imports only contract/: it reaches the engine through the bridge (IPC or the Local API).',
            ),
          ],
        },
        noNodeBuiltins(`renderer/ ${BROWSER_SAFE}.`),
        {
          patterns: [
            {
              group: ['**/contract/api.js'],
              allowTypeImports: true,
              message:
                'Import types only from contract/api.ts (its values bring zod into the bundle); routes and constants are in contract/routes.ts.',
            },
          ],
        },
      ),
      'no-restricted-globals': ['error', ...NODE_GLOBALS],
    },
  },
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['renderer/**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
  },
  {
    files: ['renderer/src/**', 'test/renderer/**'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        localStorage: 'readonly',
        sessionStorage: 'readonly',
        performance: 'readonly',
        requestAnimationFrame: 'readonly',
        getComputedStyle: 'readonly',
        ResizeObserver: 'readonly',
        FileReader: 'readonly',
        Blob: 'readonly',
        HTMLElement: 'readonly',
        HTMLDivElement: 'readonly',
        HTMLDialogElement: 'readonly',
        HTMLInputElement: 'readonly',
        HTMLSelectElement: 'readonly',
        Event: 'readonly',
        TextDecoderStream: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Response: 'readonly',
        RequestInit: 'readonly',
        Storage: 'readonly',
        Location: 'readonly',
        History: 'readonly',
      },
    },
    rules: {
      // Prettier-like formatting is not this linter's job; long attribute lists stay on one line.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
);
