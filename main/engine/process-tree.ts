import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import pidtree from 'pidtree';
import { isAlive } from '../shared/process.js';

/**
 * Killing a command job's whole process tree (docs/ARCHITECTURE.md "Runs": no orphan
 * survives a timeout, cancel or quit). The worker spawns each command detached,
 * so the child leads its own process group; descendants that left the group
 * (setsid, daemons) are found through the parent/child table instead.
 *
 * Windows has no process groups: there killTree runs `taskkill /T /F /PID`,
 * which always kills the tree forcefully whatever `signal` says.
 */

const POLL_MS = 25;

/** Every descendant of `pid` (children, grandchildren, …); [] when `pid` is gone. */
export async function descendants(pid: number): Promise<number[]> {
  // A gone leader has no findable children (they were re-parented): no `ps` to spawn.
  if (!isAlive(pid)) return [];
  try {
    return await pidtree(pid);
  } catch {
    // pidtree rejects with "No matching pid found" when the process is gone.
    return [];
  }
}

/**
 * Sends `signal` to the process group `-pid` and to every descendant of `pid`.
 * Descendants are collected BEFORE signalling: once the leader dies its
 * children are re-parented and can no longer be found from `pid`.
 * Returns the pids signalled (the leader first).
 */
export async function killTree(pid: number, signal: NodeJS.Signals): Promise<number[]> {
  const tree = [pid, ...(await descendants(pid))];
  if (process.platform === 'win32') {
    await taskkill(pid);
    return tree;
  }
  sendSignal(-pid, signal);
  return tree.filter((target) => sendSignal(target, signal));
}

/** Signals `target`; false when it no longer exists (ESRCH). */
function sendSignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

function taskkill(pid: number): Promise<void> {
  return new Promise((resolve) => {
    // Exit code 128 = no such process: already gone, which is what we want.
    execFile('taskkill', ['/T', '/F', '/PID', String(pid)], () => resolve());
  });
}

/** Polls until none of `pids` is alive or `timeoutMs` passed; returns the survivors. */
export async function waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(POLL_MS);
    alive = alive.filter(isAlive);
  }
  return alive;
}
