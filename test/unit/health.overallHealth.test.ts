import { describe, expect, it } from 'vitest';
import { healthStatus } from '../../contract/health-status.js';
import type { HealthSnapshot, JobHealth, StorageProblem } from '../../contract/model.js';
import { healthChanged, overallHealth } from '../../main/engine/health.js';

const clean = { configErrorCount: 0, paused: false };

const full: StorageProblem = {
  code: 'SQLITE_FULL',
  path: '/data/jobtray.db',
  free_bytes: 0,
  since: 1_000,
  message: 'disk full: cannot write to /data/jobtray.db (SQLITE_FULL: database or disk is full)',
  dropped_log_lines: 0,
  held_fires: 0,
};
const stored = (storage: StorageProblem | null) => ({ ...clean, storage });

describe('overallHealth', () => {
  const cases: Array<
    [
      string,
      Record<string, JobHealth>,
      { configErrorCount: number; paused: boolean; storage?: StorageProblem | null },
      JobHealth,
    ]
  > = [
    ['no jobs: ok', {}, clean, 'ok'],
    ['all ok', { a: 'ok', b: 'ok' }, clean, 'ok'],
    ['worst wins: failing', { a: 'ok', b: 'failing', c: 'overdue', d: 'running' }, clean, 'failing'],
    ['worst wins: overdue over retrying', { a: 'retrying', b: 'overdue' }, clean, 'overdue'],
    ['worst wins: running over ok', { a: 'ok', b: 'running' }, clean, 'running'],
    ['invalid over overdue', { a: 'invalid', b: 'overdue' }, clean, 'invalid'],
    ['failing over invalid', { a: 'invalid', b: 'failing' }, clean, 'failing'],
    ['disabled only when every job is disabled', { a: 'disabled', b: 'disabled' }, clean, 'disabled'],
    ['one enabled ok job among disabled ones', { a: 'disabled', b: 'ok' }, clean, 'ok'],
    [
      'file-level config error makes it at least invalid',
      { a: 'ok' },
      { configErrorCount: 1, paused: false },
      'invalid',
    ],
    ['config error with no jobs', {}, { configErrorCount: 2, paused: false }, 'invalid'],
    ['config error over all-disabled', { a: 'disabled' }, { configErrorCount: 1, paused: false }, 'invalid'],
    ['config error does not hide failing', { a: 'failing' }, { configErrorCount: 1, paused: false }, 'failing'],
    ['a storage problem makes it failing, whatever the jobs', { a: 'ok', b: 'running' }, stored(full), 'failing'],
    ['a storage problem with no jobs', {}, stored(full), 'failing'],
    ['a storage problem over all-disabled and invalid', { a: 'disabled', b: 'invalid' }, stored(full), 'failing'],
    ['no storage problem changes nothing', { a: 'ok' }, stored(null), 'ok'],
  ];

  it.each(cases)('%s', (_name, jobs, opts, expected) => {
    expect(overallHealth(jobs, opts).overall).toBe(expected);
  });

  it('counts every health value, zeros included, and carries paused and the error count', () => {
    const snapshot = overallHealth(
      { a: 'ok', b: 'ok', c: 'failing', d: 'disabled' },
      { configErrorCount: 3, paused: true },
    );
    expect(snapshot).toEqual({
      overall: 'failing',
      jobs: { a: 'ok', b: 'ok', c: 'failing', d: 'disabled' },
      counts: { disabled: 1, ok: 2, running: 0, retrying: 0, overdue: 0, invalid: 0, failing: 1 },
      paused: true,
      config_error_count: 3,
      storage: null,
    });
  });

  it('carries the storage problem, which the tray and dashboard show as failing', () => {
    const snapshot = overallHealth({ a: 'ok' }, stored(full));
    expect(snapshot.storage).toEqual(full);
    expect(healthStatus(snapshot)).toBe('failing');
    expect(healthStatus(overallHealth({ a: 'ok' }, stored(null)))).toBe('ok');
  });

  it('does not alias the caller’s map', () => {
    const jobs: Record<string, JobHealth> = { a: 'ok' };
    const snapshot = overallHealth(jobs, clean);
    jobs.a = 'failing';
    expect(snapshot.jobs.a).toBe('ok');
  });
});

describe('healthChanged', () => {
  const base: HealthSnapshot = overallHealth({ a: 'ok', b: 'running' }, clean);

  it.each<[string, HealthSnapshot | null, boolean]>([
    ['first snapshot', null, true],
    ['identical', overallHealth({ a: 'ok', b: 'running' }, clean), false],
    ['same jobs in another key order', overallHealth({ b: 'running', a: 'ok' }, clean), false],
    ['one job changed, overall the same', overallHealth({ a: 'running', b: 'running' }, clean), true],
    ['a job added', overallHealth({ a: 'ok', b: 'running', c: 'ok' }, clean), true],
    ['a job removed', overallHealth({ a: 'ok' }, clean), true],
    ['a job renamed', overallHealth({ a: 'ok', c: 'running' }, clean), true],
    ['paused', overallHealth({ a: 'ok', b: 'running' }, { configErrorCount: 0, paused: true }), true],
    ['config errors changed', overallHealth({ a: 'ok', b: 'running' }, { configErrorCount: 1, paused: false }), true],
    ['a storage problem began', overallHealth({ a: 'ok', b: 'running' }, stored(full)), true],
  ])('%s → %s', (_name, previous, expected) => {
    // previous → base, and base → previous: the answer is symmetric.
    expect(healthChanged(previous, base)).toBe(expected);
    if (previous !== null) expect(healthChanged(base, previous)).toBe(expected);
  });
});

describe('healthChanged: storage', () => {
  const during = overallHealth({ a: 'ok' }, stored(full));

  it.each<[string, Partial<StorageProblem>, boolean]>([
    ['more fires held', { held_fires: 1 }, true],
    ['another problem (new since)', { since: 2_000 }, true],
    ['another path', { path: '/data/artifacts/1/out.csv' }, true],
    ['another code', { code: 'SQLITE_IOERR_WRITE' }, true],
    ['more log lines dropped: not announced on its own', { dropped_log_lines: 5_000 }, false],
    ['free space measured again: not announced on its own', { free_bytes: 4096 }, false],
  ])('%s → %s', (_name, change, expected) => {
    const next = overallHealth({ a: 'ok' }, stored({ ...full, ...change }));
    expect(healthChanged(during, next)).toBe(expected);
    expect(healthChanged(next, during)).toBe(expected);
  });

  it('the problem ending is a change', () => {
    expect(healthChanged(during, overallHealth({ a: 'ok' }, stored(null)))).toBe(true);
  });
});
