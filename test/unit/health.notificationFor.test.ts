import { describe, expect, it } from 'vitest';
import type { JobHealth, NotifyPolicy } from '../../contract/model.js';
import { isSettledHealth, nextSettledHealth, notificationFor } from '../../main/engine/health.js';

const both: NotifyPolicy = { on_failure: true, on_recovery: true, on_timeout: true, webhook: null };
const none: NotifyPolicy = { on_failure: false, on_recovery: false, on_timeout: false, webhook: null };

describe('notificationFor', () => {
  const cases: Array<[JobHealth | null, JobHealth, NotifyPolicy, 'failure' | 'recovery' | null]> = [
    ['ok', 'failing', both, 'failure'],
    ['overdue', 'failing', both, 'failure'],
    ['disabled', 'failing', both, 'failure'],
    [null, 'failing', both, 'failure'],
    ['failing', 'failing', both, null],
    ['ok', 'failing', none, null],
    ['failing', 'ok', both, 'recovery'],
    ['failing', 'ok', none, null],
    ['overdue', 'ok', both, null],
    ['disabled', 'ok', both, null],
    [null, 'ok', both, null],
    ['ok', 'ok', both, null],
    ['failing', 'disabled', both, null],
    ['failing', 'overdue', both, null],
    ['failing', 'invalid', both, null],
    ['ok', 'overdue', both, null],
  ];

  it.each(cases)('%s → %s', (from, to, notify, expected) => {
    expect(notificationFor({ job_id: 'sync-orders', from, to }, notify)?.kind ?? null).toBe(expected);
  });

  it('names the job in title and body', () => {
    const failure = notificationFor({ job_id: 'sync-orders', from: 'ok', to: 'failing' }, both);
    expect(failure).toEqual({
      kind: 'failure',
      title: 'sync-orders is failing',
      body: expect.stringContaining('sync-orders'),
    });
    const recovery = notificationFor({ job_id: 'sync-orders', from: 'failing', to: 'ok' }, both);
    expect(recovery).toEqual({
      kind: 'recovery',
      title: 'sync-orders recovered',
      body: expect.stringContaining('sync-orders'),
    });
  });

  it('running and retrying in between do not break failure/recovery detection, nor repeat a failure', () => {
    // Observed health over time: a chain fails, a new run starts, retries, fails
    // again, then a later run succeeds.
    const observed: JobHealth[] = [
      'ok',
      'running',
      'retrying',
      'running',
      'failing',
      'running',
      'retrying',
      'running',
      'failing',
      'running',
      'ok',
      'running',
      'ok',
    ];
    let settled: JobHealth | null = null;
    const sent: string[] = [];
    for (const health of observed) {
      const next = nextSettledHealth(settled, health);
      if (next !== null && next !== settled) {
        const n = notificationFor({ job_id: 'sync-orders', from: settled, to: next }, both);
        if (n) sent.push(n.kind);
      }
      settled = next;
    }
    expect(sent).toEqual(['failure', 'recovery']);
  });
});

describe('isSettledHealth / nextSettledHealth', () => {
  it.each<[JobHealth, boolean]>([
    ['running', false],
    ['retrying', false],
    ['ok', true],
    ['failing', true],
    ['overdue', true],
    ['disabled', true],
    ['invalid', true],
  ])('%s settled: %s', (health, settled) => {
    expect(isSettledHealth(health)).toBe(settled);
  });

  it('keeps the previous settled value through passing states', () => {
    expect(nextSettledHealth('failing', 'running')).toBe('failing');
    expect(nextSettledHealth(null, 'retrying')).toBeNull();
    expect(nextSettledHealth('failing', 'ok')).toBe('ok');
  });
});
