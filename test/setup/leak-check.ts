import fs from 'node:fs';
import { afterEach, expect } from 'vitest';
import { closeLeftovers } from '../helpers/open-handles.js';

/** Live (non-zombie) descendants of this process, read from /proc (a `ps` child would count itself). */
function liveDescendants(root: number): number[] {
  if (process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') continue;
    const ppid = Number(rest[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

// A test that leaves an engine, store, server or worker open, or a child
// process running, fails (and its leftovers are cleaned up so the next test
// starts clean).
afterEach(async () => {
  const leaked = await closeLeftovers();
  const children = liveDescendants(process.pid);
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
