import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../contract/model.js';
import { listBackups, startBackups, takeBackup, type BackupSource } from '../../main/engine/backups.js';
import { openStore, type Store } from '../../main/engine/store/index.js';
import { silentLogger as quiet, type Logger } from '../../main/engine/logger.js';
import { track } from '../helpers/open-handles.js';
import { sampleRun } from '../helpers/temp-store.js';

const NOW = new Date(2026, 10, 30, 4, 15, 3);
const DAY = 86_400_000;

/** A data dir with a real store holding two runs, as the engine would use it. */
function dataDirWithStore(): { dataDir: string; store: Store; source: BackupSource; settings: Settings } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-backups-'));
  const store = openStore({ path: path.join(dataDir, 'jobtray.db') });
  track({ name: `store ${dataDir}`, isOpen: () => store.isOpen(), close: () => store.close() });
  store.insertRun(sampleRun({ state: 'succeeded' }));
  store.insertRun(sampleRun({ state: 'failed' }));
  const settings = { ...DEFAULT_SETTINGS };
  return {
    dataDir,
    store,
    settings,
    source: { dataDir, getSettings: () => settings, backupDatabase: (file) => store.backup(file) },
  };
}

/** Empty files named like automatic backups taken `daysAgo` days before NOW. */
function oldBackups(dataDir: string, daysAgo: number[]): void {
  fs.mkdirSync(path.join(dataDir, 'backups'), { recursive: true });
  for (const days of daysAgo) {
    const at = new Date(NOW.getTime() - days * DAY);
    const pad = (n: number) => String(n).padStart(2, '0');
    fs.writeFileSync(
      path.join(
        dataDir,
        'backups',
        `jobtray-${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}.db`,
      ),
      '',
    );
  }
}

function runStates(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], string>('SELECT state FROM runs ORDER BY id').pluck().all();
  } finally {
    db.close();
  }
}

describe('startBackups', () => {
  it('takes the daily backup when the newest is a day old, and keeps the last 7', async () => {
    const { dataDir, store, source } = dataDirWithStore();
    oldBackups(dataDir, [1, 2, 3, 4, 5, 6, 7, 8]);
    const backups = startBackups(source, { now: () => NOW, logger: quiet });
    const info = await backups.started;
    const expected = path.join(dataDir, 'backups', 'jobtray-20261130-041503.db');
    expect(info).toMatchObject({ file: expected, created_at: NOW.getTime() });
    expect(info!.pruned.map((file) => path.basename(file))).toEqual([
      'jobtray-20261123-041503.db',
      'jobtray-20261122-041503.db',
    ]);
    expect(listBackups(path.join(dataDir, 'backups')).map((b) => path.basename(b.file))).toEqual([
      'jobtray-20261130-041503.db',
      'jobtray-20261129-041503.db',
      'jobtray-20261128-041503.db',
      'jobtray-20261127-041503.db',
      'jobtray-20261126-041503.db',
      'jobtray-20261125-041503.db',
      'jobtray-20261124-041503.db',
    ]);
    expect(runStates(expected)).toEqual(['succeeded', 'failed']);
    expect(fs.existsSync(`${expected}.partial`)).toBe(false);
    await backups.close();
    store.close();
  });

  it('takes none while the newest is younger than a day, or when backup_enabled is off', async () => {
    const { dataDir, store, source, settings } = dataDirWithStore();
    oldBackups(dataDir, [0.5]);
    const recent = startBackups(source, { now: () => NOW, logger: quiet });
    expect(await recent.started).toBeNull();
    await recent.close();

    fs.rmSync(path.join(dataDir, 'backups'), { recursive: true });
    settings.backup_enabled = false;
    const off = startBackups(source, { now: () => NOW, logger: quiet });
    expect(await off.started).toBeNull();
    expect(fs.existsSync(path.join(dataDir, 'backups'))).toBe(false);
    await off.close();
    store.close();
  });

  it('logs a failed backup and never throws (the next check retries)', async () => {
    const { dataDir, store, source } = dataDirWithStore();
    const warnings: string[] = [];
    const logger: Logger = { ...quiet, warn: (message: string) => void warnings.push(message) };
    const failing: BackupSource = {
      ...source,
      backupDatabase: () => Promise.reject(new Error('database or disk is full')),
    };
    const backups = startBackups(failing, { now: () => NOW, logger });
    expect(await backups.started).toBeNull();
    expect(warnings).toEqual(['the daily database backup failed (retried within the hour): database or disk is full']);
    await backups.close();
    expect(listBackups(path.join(dataDir, 'backups'))).toEqual([]);
    store.close();
  });
});

describe('takeBackup', () => {
  it('writes to an absolute --to path without pruning, refuses a relative one and an existing file', async () => {
    const { dataDir, store, source } = dataDirWithStore();
    oldBackups(dataDir, [1, 2, 3, 4, 5, 6, 7, 8]);
    const to = path.join(dataDir, 'elsewhere', 'copy.db');
    const info = await takeBackup(source, { to, now: NOW });
    expect(info).toEqual({ file: to, bytes: fs.statSync(to).size, created_at: NOW.getTime(), pruned: [] });
    expect(runStates(to)).toEqual(['succeeded', 'failed']);
    await expect(takeBackup(source, { to: 'relative.db' })).rejects.toThrow(
      'a backup destination must be an absolute path on the machine running Jobtray, got "relative.db"',
    );
    await expect(takeBackup(source, { to })).rejects.toThrow(
      `cannot back up the database to ${to}: the file exists; choose another name or remove it`,
    );
    // Two in the same second get distinct names.
    const first = await takeBackup(source, { now: NOW });
    const second = await takeBackup(source, { now: NOW });
    expect([path.basename(first.file), path.basename(second.file)]).toEqual([
      'jobtray-20261130-041503.db',
      'jobtray-20261130-041503-2.db',
    ]);
    store.close();
  });
});
