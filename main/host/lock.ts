import fs from 'node:fs';
import path from 'node:path';
import { JobtrayError } from '../../contract/errors.js';
import { isAlive } from '../shared/process.js';

export const LOCK_FILE = 'jobtray.lock';

/** Data dirs locked by this process (a second host in the same process must fail too). */
const heldHere = new Set<string>();

export interface DataDirLock {
  release(): void;
}

/**
 * One process owns a data dir's database and schedule. The lock is a file
 * created exclusively (`wx`) holding the owner's pid; a lock whose pid is dead
 * is stale (a crash, a kill -9) and is taken over.
 */
export function acquireLock(dataDir: string, describeOwner: (pid: number) => string = () => ''): DataDirLock {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, LOCK_FILE);
  fs.mkdirSync(dir, { recursive: true });
  if (heldHere.has(dir)) throw conflict(dir, process.pid, describeOwner(process.pid));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, at: Date.now() }), { flag: 'wx', mode: 0o600 });
      heldHere.add(dir);
      return {
        release: () => {
          heldHere.delete(dir);
          if (ownerOf(file) === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = ownerOf(file);
      if (owner !== null && owner !== process.pid && isAlive(owner)) throw conflict(dir, owner, describeOwner(owner));
      // Stale: its owner is gone.
      fs.rmSync(file, { force: true });
    }
  }
  throw new JobtrayError('conflict', `could not take the lock ${file}; remove it if no Jobtray is running`);
}

function ownerOf(file: string): number | null {
  try {
    const pid = Number(JSON.parse(fs.readFileSync(file, 'utf8')).pid);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function conflict(dir: string, pid: number, owner: string): JobtrayError {
  return new JobtrayError(
    'conflict',
    `Jobtray is already running on ${dir} (pid ${pid}${owner ? `, ${owner}` : ''}); a second instance would run every job twice. Stop it first, or use another --data-dir.`,
  );
}
