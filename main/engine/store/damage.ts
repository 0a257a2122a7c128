import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { JobtrayError, coerceError } from '../../../contract/errors.js';

/**
 * A damaged database file: how it is recognised, what the person is told, and
 * `jobtray serve --move-damaged-db`, which renames it aside. A damaged file is
 * never deleted: it may still hold the only copy of some history.
 */

/** Where automatic backups of `file` go (main/engine/backups.ts writes them). */
export function backupsDirOf(file: string): string {
  return path.join(path.dirname(path.resolve(file)), 'backups');
}

/** SQLite's "the file's content is broken" (SQLITE_CORRUPT and its extended codes, SQLITE_NOTADB): no retry helps. */
export function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * The `storage_corrupt` error for a read or open that hit damage in `file`:
 * names the file, what failed, and the two ways on.
 */
export function damagedDatabaseError(file: string, cause: unknown, what: string): JobtrayError {
  const absolute = path.resolve(file);
  return new JobtrayError(
    'storage_corrupt',
    `${what}: the database ${absolute} is damaged (${coerceError(cause).message}). ` +
      `Two ways on: stop Jobtray and restore a backup (copy a file from ${backupsDirOf(absolute)} over ${absolute} and delete ${path.basename(absolute)}-wal and -shm beside it); ` +
      'or start it with "jobtray serve --move-damaged-db", which renames the damaged file aside (it is never deleted) and starts with an empty database.',
    { file: absolute },
  );
}

/** Runs `fn`; a corruption error it throws becomes damagedDatabaseError (anything else passes through unchanged). */
export function guardCorruption<T>(file: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isCorruption(error)) throw damagedDatabaseError(file, error, what);
    throw error;
  }
}

/**
 * Why the database at `file` is unusable (it does not open, or `PRAGMA
 * quick_check` finds damage); null when it is fine, absent, or cannot be
 * checked for another reason (the open that follows reports that one).
 * Read-only: a read-write connection to a damaged file deletes its -wal and
 * -shm when it closes, and those belong to what is moved aside intact.
 */
export function databaseDamage(file: string, nativeBinding?: string): string | null {
  if (!fs.existsSync(file)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(file, {
      readonly: true,
      fileMustExist: true,
      ...(nativeBinding === undefined ? {} : { nativeBinding }),
    });
    const problems = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
    const found = problems.map((row) => row.quick_check).filter((text) => text !== 'ok');
    return found.length === 0 ? null : found.slice(0, 3).join('; ');
  } catch (error) {
    return isCorruption(error) ? coerceError(error).message : null;
  } finally {
    db?.close();
  }
}

export interface MovedFile {
  from: string;
  to: string;
}

/** `20261130-041503`: a local timestamp that sorts and is safe in a file name. */
export function fileTimestamp(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
}

/**
 * Renames `file` and its `-wal` and `-shm` companions to `<name>.damaged-<timestamp>`
 * (plus the companion's suffix). The caller must hold the data dir's lock: no
 * other process may have the file open. Returns what was moved.
 */
export function moveDatabaseAside(file: string, at: Date = new Date()): MovedFile[] {
  const absolute = path.resolve(file);
  const stamp = `.damaged-${fileTimestamp(at)}`;
  const moved: MovedFile[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    const from = `${absolute}${suffix}`;
    if (!fs.existsSync(from)) continue;
    const to = `${absolute}${stamp}${suffix}`;
    if (fs.existsSync(to)) throw new JobtrayError('conflict', `cannot move ${from} aside: ${to} already exists`);
    fs.renameSync(from, to);
    moved.push({ from, to });
  }
  return moved;
}
