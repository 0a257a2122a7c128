import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

/**
 * Test projects (run one with `npx vitest run --project unit`):
 * - unit: pure modules and the store, with plain data and temp SQLite files;
 * - integration: real Bree worker threads, real child processes, real HTTP on 127.0.0.1;
 * - renderer: the dashboard's components and stores (happy-dom), and its bridge over real HTTP;
 * - e2e: the built dashboard in Debian's Chromium against a real headless host running real jobs.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/setup/global-build.ts'],
    setupFiles: ['test/setup/leak-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests spawn worker threads and child processes; two cores.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      {
        extends: true,
        plugins: [vue()],
        test: { name: 'renderer', include: ['test/renderer/**/*.test.ts'], environment: 'happy-dom' },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/build-dashboard.ts'],
          // A suite's host and browser start once, in beforeAll; a scenario waits on real jobs.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
