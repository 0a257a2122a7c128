import pidtree from 'pidtree';
import { afterEach, expect } from 'vitest';
import { closeLeftovers } from '../helpers/open-handles.js';

// A test that leaves an engine, store, server or worker open, or a child
// process running, fails (and its leftovers are cleaned up so the next test
// starts clean).
afterEach(async () => {
  const leaked = await closeLeftovers();
  const children = await pidtree(process.pid).catch(() => [] as number[]);
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
