import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

/**
 * The command supervisor's sweep after each command: SIGKILL to every process
 * whose environment carries the attempt's run key (`JOBTRAY_RUN_KEY`, see
 * main/engine/run-processes.ts) — setsid grandchildren and daemons that left
 * the process group. Linux only (elsewhere it finds nothing). Synchronous and
 * allocation-light: it runs in the supervisor's thread, once per attempt, so
 * it costs a few system calls per process instead of a promise chain each.
 * The engine still sweeps itself at start-up and for attempts the supervisor
 * did not finish (a forced stop, a crashed supervisor).
 */

let buffer = Buffer.alloc(16 * 1024);

/** The whole of /proc/<pid>/environ in `buffer` (grown as needed): its length, or -1 when it cannot be read. */
function readEnviron(pid: string): number {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/environ`, 'r');
  } catch {
    return -1;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.alloc(buffer.length * 2);
        buffer.copy(bigger);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return length;
      length += read;
    }
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

/** Whether the NUL-separated environment in buffer[0, length) holds the entry `needle` (`NAME=value`). */
function holds(length: number, needle: Buffer): boolean {
  const data = buffer.subarray(0, length);
  for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if ((at === 0 || data[at - 1] === 0) && (end === length || data[end] === 0)) return true;
  }
  return false;
}

/** SIGKILLs every other process whose environment holds `name=value`; returns their pids. */
export function killProcessesWithEnv(name: string, value: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${name}=${value}`);
  const killed: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return killed;
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const length = readEnviron(entry);
    if (length <= 0 || !holds(length, needle)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // already gone
    }
  }
  return killed;
}
