import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobtrayError } from '../../contract/errors.js';
import type { LogLineInput } from '../../contract/model.js';
import { openStore, type Store } from '../../main/engine/store/index.js';
import { track } from '../helpers/open-handles.js';
import { sampleRun } from '../helpers/temp-store.js';

/**
 * A store whose database is capped with SQLite's max_page_count
 * (Store.setPageLimit): a write that needs a new page fails with SQLITE_FULL,
 * exactly as on a full disk, without needing one.
 */
let dir: string;
let file: string;
let store: Store;
let reported: JobtrayError[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-full-'));
  file = path.join(dir, 'jobtray.db');
  reported = [];
  store = openStore({ path: file, onWriteFailure: (error) => reported.push(error) });
  track({ name: `store ${file}`, isOpen: () => store.isOpen(), close: () => store.close() });
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Lines big enough that a batch needs new pages. */
function lines(count: number, from = 0): LogLineInput[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: from + i,
    stream: 'stdout' as const,
    level: 'info' as const,
    message: `${from + i} ${'x'.repeat(500)}`,
  }));
}

/** Caps the database at its current size: the next write that needs a page fails. */
function fill(): void {
  expect(store.setPageLimit(store.pageCount())).toBe(store.pageCount());
}

function integrity(): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe('store on a full disk (max_page_count)', () => {
  it('a failed write throws storage_full naming the file, is reported once, and rolls back', () => {
    const run = store.insertRun(sampleRun({ state: 'running' }));
    store.appendLogs(run.id, lines(5), 1_000);
    fill();
    let thrown: unknown;
    try {
      store.appendLogs(run.id, lines(200, 5), 1_000);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JobtrayError);
    expect((thrown as JobtrayError).code).toBe('storage_full');
    expect((thrown as JobtrayError).message).toBe(
      `disk full: cannot write to ${file} (SQLITE_FULL: database or disk is full)`,
    );
    expect((thrown as JobtrayError).details).toEqual({ code: 'SQLITE_FULL', path: file });
    expect(reported).toEqual([thrown]);
    // Rolled back: the run still has its 5 lines, and counts no more.
    expect(store.getRun(run.id)?.log_count).toBe(5);
    expect(store.getLogs(run.id, {}).lines).toHaveLength(5);
  });

  it('every kind of write fails the same way while full: runs, several runs at once, audit, meta, settings, probe', () => {
    store.insertRun(sampleRun());
    store.insertRuns(Array.from({ length: 50 }, () => sampleRun({ reason: 'y'.repeat(400) })));
    fill();
    const writes: [string, () => unknown][] = [
      ['insertRuns', () => store.insertRuns(Array.from({ length: 200 }, () => sampleRun({ reason: 'z'.repeat(400) })))],
      [
        'audit',
        () => Array.from({ length: 200 }, () => store.audit({ actor: 'cli', action: 'x', details: 'd'.repeat(400) })),
      ],
      ['setMeta', () => store.setMeta('big', 'm'.repeat(100_000))],
      ['probeWrite', () => store.probeWrite()],
    ];
    for (const [name, write] of writes) {
      expect(write, name).toThrow(expect.objectContaining({ code: 'storage_full' }) as Error);
    }
    // Each failure was reported once, even through nested transactions.
    expect(reported).toHaveLength(writes.length);
    expect(store.listRuns({ limit: 500 }).runs).toHaveLength(51);
  });

  it('recovers when space returns: the same writes work, log numbering continues without a gap, the file is intact', () => {
    const run = store.insertRun(sampleRun({ state: 'running' }));
    store.appendLogs(run.id, lines(3), 1_000);
    fill();
    expect(() => store.probeWrite()).toThrow(JobtrayError);
    expect(() => store.appendLogs(run.id, lines(100, 3), 1_000)).toThrow(JobtrayError);
    store.setPageLimit(null);
    store.probeWrite();
    const stored = store.appendLogs(run.id, lines(100, 3), 1_000);
    expect(stored.map((l) => l.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 4));
    expect(store.updateRun(run.id, { state: 'succeeded', finished_at: 1 }).state).toBe('succeeded');
    // The probe leaves nothing behind.
    expect(store.getMeta('storage_probe')).toBeNull();
    store.close();
    expect(integrity()).toBe('ok');
  });

  it('closes while full (its optimize pass may fail)', () => {
    store.insertRuns(Array.from({ length: 20 }, () => sampleRun()));
    fill();
    expect(() => store.close()).not.toThrow();
    expect(store.isOpen()).toBe(false);
    expect(integrity()).toBe('ok');
  });

  it('errors that are not storage failures pass through unchanged and unreported', () => {
    expect(() => store.appendLogs(999, lines(1), 1_000)).toThrow(
      expect.objectContaining({ code: 'not_found' }) as Error,
    );
    expect(reported).toHaveLength(0);
  });
});
