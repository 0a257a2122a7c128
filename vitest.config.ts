import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-build.ts'],
    setupFiles: ['test/setup/leak-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests spawn worker threads and child processes; two cores.
    maxWorkers: 2,
  },
});
