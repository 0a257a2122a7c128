import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { descendants, killTree, waitForExit } from '../../main/engine/process-tree.js';
import { isAlive } from '../../main/shared/process.js';
import { FIXTURES } from '../helpers/run-worker.js';

const IGNORE_TERM = path.join(FIXTURES, 'ignore-term.py');

/** Process group of `pid`, from /proc (field 5 of stat, after "pid (comm) state ppid"). */
function processGroup(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/**
 * A shell that ignores SIGTERM and starts two python grandchildren that ignore
 * it too: one in the shell's process group, one in its own session (setsid).
 * Resolves once both grandchildren reported their pids.
 */
async function startTree(): Promise<{ shell: ChildProcessByStdio<null, Readable, null>; grandchildren: number[] }> {
  const script = `trap '' TERM; python3 '${IGNORE_TERM}' & setsid python3 '${IGNORE_TERM}' & wait`;
  const shell = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const grandchildren: number[] = [];
  for await (const line of createInterface({ input: shell.stdout })) {
    const match = /^ready (\d+)$/.exec(line);
    if (match) grandchildren.push(Number(match[1]));
    if (grandchildren.length === 2) break;
  }
  return { shell, grandchildren };
}

describe('process-tree', () => {
  const started: number[] = [];
  afterEach(() => {
    // Orphaned grandchildren are not children of the test process, so the
    // global leak check cannot see them: kill them here whatever happened.
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('kills the group and descendants that left it; SIGTERM alone leaves TERM-ignoring ones alive', async () => {
    const { shell, grandchildren } = await startTree();
    const shellPid = shell.pid!;
    started.push(shellPid, ...grandchildren);
    const exited = once(shell, 'exit');

    const before = await descendants(shellPid);
    expect(before).toEqual(expect.arrayContaining(grandchildren));
    const [inGroup, ownSession] = grandchildren.map(processGroup);
    expect([inGroup, ownSession].filter((group) => group === shellPid)).toHaveLength(1);

    const termed = await killTree(shellPid, 'SIGTERM');
    expect(termed).toEqual(expect.arrayContaining([shellPid, ...grandchildren]));
    // Nothing exits on SIGTERM, so there is no event to await: give it a short, bounded window.
    expect(await waitForExit([shellPid, ...grandchildren], 300)).toEqual([shellPid, ...grandchildren]);

    const killed = await killTree(shellPid, 'SIGKILL');
    expect(killed).toEqual(expect.arrayContaining([shellPid, ...grandchildren]));
    expect(await waitForExit([shellPid, ...before], 5_000)).toEqual([]);
    for (const pid of [shellPid, ...before]) expect(isAlive(pid)).toBe(false);
    expect((await exited)[1]).toBe('SIGKILL');
  });

  it('returns no descendants and signals nothing for a process that is gone', async () => {
    const child = spawn('sh', ['-c', 'exit 0'], { stdio: 'ignore' });
    await once(child, 'exit');
    const pid = child.pid!;
    expect(isAlive(pid)).toBe(false);
    expect(await descendants(pid)).toEqual([]);
    expect(await killTree(pid, 'SIGTERM')).toEqual([]);
    expect(await waitForExit([pid], 1_000)).toEqual([]);
  });

  it('counts the current process as alive', () => {
    expect(isAlive(process.pid)).toBe(true);
  });
});
