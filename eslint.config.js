// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noElectron = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'electron', message: 'The engine is plain Node: it never imports electron (DESIGN.md "Layout").' }],
      patterns: [{ group: ['electron/*'], message: 'The engine is plain Node: it never imports electron.' }],
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
);
