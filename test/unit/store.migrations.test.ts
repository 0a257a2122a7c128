import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { JobtrayError } from '../../contract/errors.js';
import { RUN_STATES, TERMINAL_STATES } from '../../contract/model.js';
import {
  ACTIVE_STATES_SQL,
  FINISHED_STATES_SQL,
  LATEST_VERSION,
  MIGRATIONS,
} from '../../main/engine/store/migrations.js';
import { openStore, type Store } from '../../main/engine/store/index.js';
import { track } from '../helpers/open-handles.js';
import { sampleRun } from '../helpers/temp-store.js';

const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-'));
  dirs.push(dir);
  return dir;
}

function open(file: string, nativeBinding?: string): Store {
  const store = openStore(nativeBinding === undefined ? { path: file } : { path: file, nativeBinding });
  track({ name: `store ${file}`, isOpen: () => store.isOpen(), close: () => store.close() });
  return store;
}

/** Reads the file through a second, plain connection, as another tool would. */
function inspect<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('store migrations', () => {
  it('numbers migrations 1..n in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it("keeps the partial indexes' state lists in line with the contract", () => {
    const list = (sql: string) => sql.split(',').map((item) => item.trim().replace(/'/g, ''));
    expect(list(ACTIVE_STATES_SQL).sort()).toEqual(
      RUN_STATES.filter((state) => !TERMINAL_STATES.includes(state)).sort(),
    );
    expect(list(FINISHED_STATES_SQL).sort()).toEqual(TERMINAL_STATES.filter((state) => state !== 'skipped').sort());
  });

  it('creates parent folders and migrates an empty file to the latest version, in WAL mode', () => {
    const file = path.join(tempDir(), 'nested', 'deeper', 'jobtray.db');
    const store = open(file);
    expect(store.path).toBe(file);
    expect(store.isOpen()).toBe(true);
    store.insertRun(sampleRun());
    // A write in WAL mode leaves the -wal file beside the database while the connection is open.
    expect(fs.existsSync(`${file}-wal`)).toBe(true);

    const { version, journal, tables } = inspect(file, (db) => ({
      version: db.pragma('user_version', { simple: true }),
      journal: db.pragma('journal_mode', { simple: true }),
      tables: db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(),
    }));
    expect(version).toBe(LATEST_VERSION);
    expect(journal).toBe('wal');
    expect(tables).toEqual(
      expect.arrayContaining(['artifacts', 'audit', 'job_state', 'meta', 'run_logs', 'runs', 'settings']),
    );
    store.close();
    expect(store.isOpen()).toBe(false);
  });

  it('keeps data and version when reopened', () => {
    const file = path.join(tempDir(), 'jobtray.db');
    const first = open(file);
    const run = first.insertRun(sampleRun({ params: { days: 3 } }));
    first.updateSettings({ max_concurrent_runs: 2 });
    first.setMeta('paused', '1');
    first.close();

    const second = open(file);
    expect(second.getRun(run.id)).toEqual(run);
    expect(second.getSettings().max_concurrent_runs).toBe(2);
    expect(second.getMeta('paused')).toBe('1');
    second.close();
    expect(inspect(file, (db) => db.pragma('user_version', { simple: true }))).toBe(LATEST_VERSION);
  });

  it('refuses a file written by a newer Jobtray, naming the file and both versions', () => {
    const file = path.join(tempDir(), 'jobtray.db');
    open(file).close();
    const newer = LATEST_VERSION + 7;
    inspect(file, (db) => db.pragma(`user_version = ${newer}`));

    let thrown: unknown;
    try {
      open(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JobtrayError);
    const error = thrown as JobtrayError;
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain(file);
    expect(error.message).toContain(`version ${newer}`);
    expect(error.message).toContain(`up to ${LATEST_VERSION}`);
    // The refused file is left as it was.
    expect(inspect(file, (db) => db.pragma('user_version', { simple: true }))).toBe(newer);
  });

  it('passes nativeBinding to better-sqlite3', () => {
    const dir = tempDir();
    const nodeBuild = path.resolve('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    open(path.join(dir, 'ok.db'), nodeBuild).close();
    expect(() => open(path.join(dir, 'missing.db'), path.join(dir, 'no-such-addon.node'))).toThrow();
  });
});
