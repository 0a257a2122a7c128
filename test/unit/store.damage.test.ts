import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobtrayError } from '../../contract/errors.js';
import type { LogLineInput } from '../../contract/model.js';
import { databaseDamage, moveDatabaseAside, openStore } from '../../main/engine/store/index.js';
import { damageLeafPage } from '../helpers/damage.js';
import { track } from '../helpers/open-handles.js';
import { sampleRun } from '../helpers/temp-store.js';

function tempDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-damage-')), 'jobtray.db');
}

function open(file: string) {
  const store = openStore({ path: file });
  track({ name: `store ${file}`, isOpen: () => store.isOpen(), close: () => store.close() });
  return store;
}

function lines(count: number): LogLineInput[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: 1_700_000_000_000 + i,
    stream: 'stdout' as const,
    level: 'info' as const,
    message: `line ${i} ${'x'.repeat(80)}`,
  }));
}

/** What a thrown value is, for assertions on JobtrayError's code and message. */
function thrownBy(fn: () => unknown): JobtrayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof JobtrayError) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('a damaged database', () => {
  it('a file that is not a database is refused with its path and the two ways on', () => {
    const file = tempDb();
    fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const error = thrownBy(() => open(file));
    expect(error.code).toBe('storage_corrupt');
    expect(error.message).toContain(`the database ${file} is damaged (file is not a database)`);
    expect(error.message).toContain(
      `restore a backup (copy a file from ${path.join(path.dirname(file), 'backups')} over ${file}`,
    );
    expect(error.message).toContain('"jobtray serve --move-damaged-db"');
    expect(databaseDamage(file)).toBe('file is not a database');
  });

  it('a damaged log page is a storage_corrupt error for that run; other runs and their logs stay readable', () => {
    const file = tempDb();
    const store = open(file);
    const damaged = store.insertRun(sampleRun({ state: 'running' })).id;
    const healthy = store.insertRun(sampleRun({ state: 'running' })).id;
    store.appendLogs(damaged, lines(3_000), 1_000_000);
    store.appendLogs(healthy, lines(5), 1_000_000);
    store.close();

    // run_logs is clustered by (run_id, seq): its middle leaf pages hold only the first run's lines.
    damageLeafPage(file, 'run_logs', 0.5);
    expect(databaseDamage(file)).not.toBeNull();

    const reopened = open(file);
    const error = thrownBy(() => reopened.getLogs(damaged, { limit: 5_000 }));
    expect(error.code).toBe('storage_corrupt');
    expect(error.message).toMatch(
      new RegExp(
        `^the log of run ${damaged} cannot be read: the database ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(database disk image is malformed\\)`,
      ),
    );
    expect(reopened.getLogs(healthy, {}).lines.map((line) => line.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(reopened.getRun(damaged)?.log_count).toBe(3_000);
    expect(reopened.listRuns({}).runs.map((run) => run.id)).toEqual([healthy, damaged]);
    reopened.close();
  });

  it('moveDatabaseAside renames the file and its -wal and -shm with a timestamp, never deleting them', () => {
    const file = tempDb();
    fs.writeFileSync(file, 'garbage');
    fs.writeFileSync(`${file}-wal`, 'wal');
    fs.writeFileSync(`${file}-shm`, 'shm');
    const moved = moveDatabaseAside(file, new Date(2026, 10, 30, 4, 15, 3));
    const stem = `${file}.damaged-20261130-041503`;
    expect(moved).toEqual([
      { from: file, to: stem },
      { from: `${file}-wal`, to: `${stem}-wal` },
      { from: `${file}-shm`, to: `${stem}-shm` },
    ]);
    expect(fs.existsSync(file)).toBe(false);
    expect([
      fs.readFileSync(stem, 'utf8'),
      fs.readFileSync(`${stem}-wal`, 'utf8'),
      fs.readFileSync(`${stem}-shm`, 'utf8'),
    ]).toEqual(['garbage', 'wal', 'shm']);
    expect(databaseDamage(file)).toBeNull();
  });
});
