import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { JobtrayError } from '../../../contract/errors.js';
import { guardCorruption } from './damage.js';
import { migrate } from './migrations.js';
import type { WriteLock } from './write-lock.js';

/** How a store opens its database file (store.ts). */
export interface StoreOptions {
  /** The SQLite file; its parent folders are created. */
  path: string;
  /** better-sqlite3's compiled addon to load (the Electron app ships an Electron-ABI build). */
  nativeBinding?: string;
  /**
   * Told of every write that failed for lack of space or an I/O error, after
   * its transaction rolled back; the write then throws the same `storage_full`
   * error (see storage-errors.ts).
   */
  onWriteFailure?: (error: JobtrayError) => void;
  /** Shared with the other threads writing to this database (the log writer, the command supervisor): one writer at a time, woken at once (write-lock.ts). */
  writeLock?: WriteLock;
}

/** Opens the SQLite file (WAL, NORMAL sync, foreign keys), migrated to the current schema; damage is a clear storage_corrupt error. */
export function openDatabase(options: StoreOptions): Database.Database {
  fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
  const db = new Database(
    options.path,
    options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding },
  );
  try {
    // A file that is not a database (or a damaged one) fails here, at its first read.
    guardCorruption(options.path, 'Jobtray cannot open its database', () => {
      db.pragma('journal_mode = WAL');
      // NORMAL is durable in WAL mode except for the last transactions before a power loss.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db, options.path);
    });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * An online copy of the whole database at `destination` (absolute), with
 * SQLite's backup API: consistent even while the engine keeps writing, and
 * done in steps, so the event loop is never blocked for long. It is written
 * to `<destination>.partial` and renamed once complete: a file at
 * `destination` is always a whole backup. Never overwrites a file.
 */
export async function backupDatabase(
  db: Database.Database,
  destination: string,
): Promise<{ file: string; bytes: number }> {
  if (fs.existsSync(destination))
    throw new JobtrayError(
      'conflict',
      `cannot back up the database to ${destination}: the file exists; choose another name or remove it`,
    );
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  const partial = `${destination}.partial`;
  try {
    await db.backup(partial);
    fs.renameSync(partial, destination);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  return { file: destination, bytes: fs.statSync(destination).size };
}
