import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { descendants, killTree, waitForExit } from '../../main/engine/process-tree.js';
import { isAlive } from '../../main/shared/process.js';
import { FIXTURES } from '../helpers/run-worker.js';

const IGNORE_TERM = path.join(FIXTURES, 'ignore-term.py');

/** Process group of `pid`, from /proc (field 5 of stat, after "pid (comm) state ppid"). */
function processGroup(pid: number): number {
  return Number(statFields(pid)[2]);
}

/** The fields of /proc/<pid>/stat after "pid (comm)"; comm may contain spaces or parentheses. */
function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** When `pid` started (clock ticks since boot, field 22 of stat); null when it is gone. With its pid, it names one process. */
function startTime(pid: number): string | null {
  try {
    return statFields(pid)[19] ?? null;
  } catch {
    return null;
  }
}

/** How long the tree may take to announce itself (python behind a pyenv shim starts in ~0.5 s; far more under load). */
const READY_TIMEOUT_MS = 20_000;

/**
 * Resolves with the pids of the first `count` "ready <pid>" lines of `stream`.
 * Rejects, saying what was received, when the stream ends first (a process of
 * the tree died) or nothing more arrives within `timeoutMs`.
 */
function readyPids(stream: Readable, count: number, timeoutMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const pids = () => [...text.matchAll(/^ready (\d+)$/gm)].map((match) => Number(match[1]));
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      if (error) reject(error);
      else resolve(pids().slice(0, count));
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (pids().length >= count) finish(null);
    };
    const onEnd = () =>
      finish(new Error(`the tree's stdout ended after ${JSON.stringify(text)}, before ${count} "ready <pid>" lines`));
    const timer = setTimeout(
      () =>
        finish(new Error(`no ${count} "ready <pid>" lines within ${timeoutMs} ms; received ${JSON.stringify(text)}`)),
      timeoutMs,
    );
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

/**
 * A shell that ignores SIGTERM and starts two python grandchildren that ignore
 * it too: one in the shell's process group, one in its own session (setsid).
 * Each process is registered for cleanup as soon as its pid is known, so a
 * failure anywhere after the spawn leaves nothing running.
 */
async function startTree(
  register: (pid: number) => void,
): Promise<{ shell: ChildProcessByStdio<null, Readable, null>; grandchildren: number[] }> {
  const script = `trap '' TERM; python3 '${IGNORE_TERM}' & setsid python3 '${IGNORE_TERM}' & wait`;
  const shell = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  if (shell.pid === undefined) throw new Error('sh could not be spawned');
  register(shell.pid);
  const grandchildren = await readyPids(shell.stdout, 2, READY_TIMEOUT_MS);
  for (const pid of grandchildren) register(pid);
  return { shell, grandchildren };
}

describe('process-tree', () => {
  /** Processes this test started, with their start time: a pid alone may be reused by another process once its own exited. */
  const started: { pid: number; since: string | null }[] = [];
  const register = (pid: number) => started.push({ pid, since: startTime(pid) });
  afterEach(() => {
    // Orphaned grandchildren are not children of the test process, so the
    // global leak check cannot see them: kill them here whatever happened —
    // but only the same processes, never a stranger that got a reused pid.
    for (const { pid, since } of started.splice(0)) {
      if (since === null || startTime(pid) !== since) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('kills the group and descendants that left it; SIGTERM alone leaves TERM-ignoring ones alive', async () => {
    const { shell, grandchildren } = await startTree(register);
    const shellPid = shell.pid!;
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
