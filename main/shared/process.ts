import { readFileSync } from 'node:fs';

/**
 * Whether a process still runs. Shared by the engine (killing a job's process
 * tree), the host (a stale data-dir lock) and the CLI (a stale discovery file),
 * which may not import each other.
 */

/**
 * Whether `pid` still runs: `kill(pid, 0)` succeeds or fails with EPERM (it
 * exists but belongs to someone else). On Linux a zombie counts as gone: it has
 * exited and only waits to be reaped — orphans of a killed tree may stay zombies
 * forever when PID 1 does not reap (containers), and would never "exit" otherwise.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may contain spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
