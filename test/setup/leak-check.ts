import { afterEach, expect } from 'vitest';
import { closeLeftovers, keptAcrossTests } from '../helpers/open-handles.js';
import { liveDescendants } from '../helpers/processes.js';

// A test that leaves an engine, store, server or worker open, or a child
// process running, fails (and its leftovers are cleaned up so the next test
// starts clean). A process a suite keeps for all its tests (the e2e suites'
// browser) is its suite's to stop, in afterAll.
afterEach(async () => {
  const leaked = await closeLeftovers();
  const children = liveDescendants(process.pid, keptAcrossTests());
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  expect(leaked, 'handles left open by the test').toEqual([]);
  expect(children, 'child processes left running by the test').toEqual([]);
});
