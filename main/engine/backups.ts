import fs from 'node:fs';
import path from 'node:path';
import { JobtrayError, coerceError } from '../../contract/errors.js';
import type { BackupInfo, Settings } from '../../contract/model.js';
import type { Logger } from './logger.js';
import { databasePath } from './paths.js';
import { backupsDirOf, fileTimestamp } from './store/index.js';

/**
 * Backups of the run store: a daily online copy into `<data dir>/backups/`
 * (the `backup_enabled` setting, on by default), keeping the last
 * BACKUP_KEEP, and one on demand (`jobtray backup [--to FILE]`, operation
 * `store:backup`). Restoring one is copying it over `jobtray.db` while Jobtray
 * is stopped (the damaged-database message says so).
 */

/** What backups need of the engine (JobtrayEngine has these). */
export interface BackupSource {
  readonly dataDir: string;
  getSettings(): Settings;
  /** An online copy of the database at `file` (Store.backup). */
  backupDatabase(file: string): Promise<{ file: string; bytes: number }>;
}

export const BACKUP_KEEP = 7;
export const BACKUP_EVERY_MS = 24 * 3_600_000;
/** How often the scheduler looks whether a backup is due: a host that sleeps or restarts still gets its daily one. */
const CHECK_EVERY_MS = 3_600_000;
/** `jobtray-20261130-041503.db`, or `…-041503-2.db` for a second one in the same second. */
const BACKUP_NAME = /^jobtray-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-\d+)?\.db$/;

/** The automatic backups in `dir`, newest first, with the local time their name gives. */
export function listBackups(dir: string): { file: string; at: number }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: { file: string; at: number }[] = [];
  for (const name of names) {
    const m = BACKUP_NAME.exec(name);
    if (!m) continue;
    const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    found.push({ file: path.join(dir, name), at: new Date(year, month - 1, day, hour, minute, second).getTime() });
  }
  // Same second: the suffixed (later) one first.
  return found.sort((a, b) => b.at - a.at || b.file.localeCompare(a.file));
}

/** A name in `dir` for a backup taken at `at` that no file has yet. */
function freshName(dir: string, at: Date): string {
  const stem = `jobtray-${fileTimestamp(at)}`;
  for (let n = 1; ; n++) {
    const file = path.join(dir, n === 1 ? `${stem}.db` : `${stem}-${n}.db`);
    if (!fs.existsSync(file)) return file;
  }
}

/**
 * Takes a backup now: to `to` (absolute; nothing is pruned), or into the
 * backups folder, which then keeps the newest `keep`.
 */
export async function takeBackup(
  source: BackupSource,
  options: { to?: string; now?: Date; keep?: number } = {},
): Promise<BackupInfo> {
  const now = options.now ?? new Date();
  if (options.to !== undefined && !path.isAbsolute(options.to)) {
    throw new JobtrayError(
      'invalid_input',
      `a backup destination must be an absolute path on the machine running Jobtray, got ${JSON.stringify(options.to)}`,
    );
  }
  const dir = backupsDirOf(databasePath(source.dataDir));
  const target = options.to ?? freshName(dir, now);
  const { file, bytes } = await source.backupDatabase(target);
  const pruned: string[] = [];
  if (options.to === undefined) {
    for (const old of listBackups(dir).slice(options.keep ?? BACKUP_KEEP)) {
      fs.rmSync(old.file, { force: true });
      pruned.push(old.file);
    }
  }
  return { file, bytes, created_at: now.getTime(), pruned };
}

export interface BackupScheduler {
  /** The check made at start (a backup when one is due, else null). */
  readonly started: Promise<BackupInfo | null>;
  /** Takes the daily backup if it is due and enabled; never throws (a failure is logged and retried at the next check). */
  check(): Promise<BackupInfo | null>;
  /** Stops checking and waits for a backup in progress (the store must stay open until it ends). */
  close(): Promise<void>;
}

export interface BackupSchedulerOptions {
  logger?: Logger;
  everyMs?: number;
  checkEveryMs?: number;
  keep?: number;
  now?: () => Date;
}

/** Starts the daily backup: a check now, then every hour; a backup is due when the newest is BACKUP_EVERY_MS old. */
export function startBackups(source: BackupSource, options: BackupSchedulerOptions = {}): BackupScheduler {
  const everyMs = options.everyMs ?? BACKUP_EVERY_MS;
  const now = options.now ?? (() => new Date());
  let running: Promise<BackupInfo | null> | null = null;
  let closed = false;

  const due = async (): Promise<BackupInfo | null> => {
    if (closed || !source.getSettings().backup_enabled) return null;
    const at = now();
    const newest = listBackups(backupsDirOf(databasePath(source.dataDir)))[0];
    if (newest && at.getTime() - newest.at < everyMs) return null;
    try {
      const info = await takeBackup(source, { now: at, ...(options.keep !== undefined ? { keep: options.keep } : {}) });
      options.logger?.info(
        `backed up the database to ${info.file} (${info.bytes} bytes)${info.pruned.length > 0 ? `; removed ${info.pruned.length} older backup(s)` : ''}`,
      );
      return info;
    } catch (error) {
      options.logger?.warn(`the daily database backup failed (retried within the hour): ${coerceError(error).message}`);
      return null;
    }
  };
  const check = () => (running ??= due().finally(() => (running = null)));
  const timer = setInterval(() => void check(), options.checkEveryMs ?? CHECK_EVERY_MS);
  timer.unref();
  const started = check();
  return {
    started,
    check,
    close: async () => {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}
