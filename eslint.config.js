// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

const noElectron = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'electron', message: 'The engine is plain Node: it never imports electron (DESIGN.md "Layout").' }],
      patterns: [{ group: ['electron/*'], message: 'The engine is plain Node: it never imports electron.' }],
    },
  ],
};

/**
 * The dashboard imports `contract/` only (and npm packages): never the engine, never a
 * Node built-in; and from contract/api.ts types only, since its values pull the
 * validators (zod) into the browser bundle — routes and constants are in contract/routes.ts.
 */
const rendererImports = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['**/main/**', '**/workers/**', '**/bench/**'], message: 'renderer/ imports contract/ only (DESIGN.md "Layout").' },
        { group: ['node:*'], message: 'renderer/ runs in a browser: no Node built-ins.' },
        { group: ['**/contract/api.js'], allowTypeImports: true, message: 'Import types only from contract/api.ts (its values bring zod into the bundle); routes and constants are in contract/routes.ts.' },
      ],
      paths: ['fs', 'path', 'os', 'child_process', 'electron'],
    },
  ],
};

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
  // The engine, contract, workers, Local API, headless host and CLI run without Electron.
  { files: ['main/engine/**', 'main/api/**', 'main/host/**', 'main/cli/**', 'contract/**', 'workers/**'], rules: noElectron },
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['renderer/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
  },
  {
    files: ['renderer/src/**', 'test/renderer/**'],
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', navigator: 'readonly', location: 'readonly', localStorage: 'readonly', sessionStorage: 'readonly',
        performance: 'readonly', requestAnimationFrame: 'readonly', getComputedStyle: 'readonly', ResizeObserver: 'readonly', FileReader: 'readonly',
        Blob: 'readonly', HTMLElement: 'readonly', HTMLDivElement: 'readonly', HTMLDialogElement: 'readonly', HTMLInputElement: 'readonly', HTMLSelectElement: 'readonly',
        Event: 'readonly', TextDecoderStream: 'readonly', AbortController: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        setInterval: 'readonly', clearInterval: 'readonly', Response: 'readonly', RequestInit: 'readonly', Storage: 'readonly', Location: 'readonly', History: 'readonly',
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
  { files: ['renderer/src/**'], rules: rendererImports },
);
