import fs from 'node:fs/promises';
import { RUN_KEY_ENV } from '../../contract/worker-protocol.js';

/**
 * Every process a command job starts carries `JOBTRAY_RUN_KEY=<store id>:<run id>`
 * in its environment, and children inherit it. On Linux that finds a run's
 * processes even after they left its process group (setsid) and were
 * re-parented to init, and after the engine that started them died — which a
 * process-tree walk cannot. Elsewhere it finds nothing and the process-group /
 * tree kill is what remains.
 */
export { RUN_KEY_ENV };

export function runKey(storeId: string, runId: number): string {
  return `${storeId}:${runId}`;
}

export async function processesWithRunKey(key: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`\0${RUN_KEY_ENV}=${key}\0`);
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  await Promise.all(
    entries.map(async (name) => {
      if (!/^\d+$/.test(name)) return;
      const pid = Number(name);
      if (pid === process.pid) return;
      const environ = await fs.readFile(`/proc/${name}/environ`).catch(() => null);
      if (!environ) return;
      // environ is NUL-separated; a leading NUL makes the first variable match too.
      const haystack = Buffer.concat([Buffer.from([0]), environ, Buffer.from([0])]);
      if (haystack.includes(needle)) found.push(pid);
    }),
  );
  return found.sort((a, b) => a - b);
}

/** SIGKILLs every process carrying the run's key; returns their pids. */
export async function killRunProcesses(key: string): Promise<number[]> {
  const pids = await processesWithRunKey(key);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}
