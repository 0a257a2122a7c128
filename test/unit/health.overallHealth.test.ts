import { describe, expect, it } from 'vitest';
import type { HealthSnapshot, JobHealth } from '../../contract/model.js';
import { healthChanged, overallHealth } from '../../main/engine/health.js';

const clean = { configErrorCount: 0, paused: false };

describe('overallHealth', () => {
  const cases: Array<[string, Record<string, JobHealth>, { configErrorCount: number; paused: boolean }, JobHealth]> = [
    ['no jobs: ok', {}, clean, 'ok'],
    ['all ok', { a: 'ok', b: 'ok' }, clean, 'ok'],
    ['worst wins: failing', { a: 'ok', b: 'failing', c: 'overdue', d: 'running' }, clean, 'failing'],
    ['worst wins: overdue over retrying', { a: 'retrying', b: 'overdue' }, clean, 'overdue'],
    ['worst wins: running over ok', { a: 'ok', b: 'running' }, clean, 'running'],
    ['invalid over overdue', { a: 'invalid', b: 'overdue' }, clean, 'invalid'],
    ['failing over invalid', { a: 'invalid', b: 'failing' }, clean, 'failing'],
    ['disabled only when every job is disabled', { a: 'disabled', b: 'disabled' }, clean, 'disabled'],
    ['one enabled ok job among disabled ones', { a: 'disabled', b: 'ok' }, clean, 'ok'],
    ['file-level config error makes it at least invalid', { a: 'ok' }, { configErrorCount: 1, paused: false }, 'invalid'],
    ['config error with no jobs', {}, { configErrorCount: 2, paused: false }, 'invalid'],
    ['config error over all-disabled', { a: 'disabled' }, { configErrorCount: 1, paused: false }, 'invalid'],
    ['config error does not hide failing', { a: 'failing' }, { configErrorCount: 1, paused: false }, 'failing'],
  ];

  it.each(cases)('%s', (_name, jobs, opts, expected) => {
    expect(overallHealth(jobs, opts).overall).toBe(expected);
  });

  it('counts every health value, zeros included, and carries paused and the error count', () => {
    const snapshot = overallHealth({ a: 'ok', b: 'ok', c: 'failing', d: 'disabled' }, { configErrorCount: 3, paused: true });
    expect(snapshot).toEqual({
      overall: 'failing',
      jobs: { a: 'ok', b: 'ok', c: 'failing', d: 'disabled' },
      counts: { disabled: 1, ok: 2, running: 0, retrying: 0, overdue: 0, invalid: 0, failing: 1 },
      paused: true,
      config_error_count: 3,
    });
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
  ])('%s → %s', (_name, previous, expected) => {
    // previous → base, and base → previous: the answer is symmetric.
    expect(healthChanged(previous, base)).toBe(expected);
    if (previous !== null) expect(healthChanged(base, previous)).toBe(expected);
  });
});
