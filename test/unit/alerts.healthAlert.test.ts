import { describe, expect, it } from 'vitest';
import type { NotifyPolicy } from '../../contract/model.js';
import { healthAlert } from '../../main/engine/alerts.js';

const both: NotifyPolicy = { on_failure: true, on_recovery: true, on_timeout: true, webhook: null };
const none: NotifyPolicy = { on_failure: false, on_recovery: false, on_timeout: false, webhook: null };
const failedRun = { id: 9, error: 'exited with code 2' };

describe('healthAlert', () => {
  it('a job starting to fail alerts with the last error and run', () => {
    const alert = healthAlert({ job_id: 'sync-orders', from: 'ok', to: 'failing' }, both, failedRun, 100);
    expect(alert).toEqual({
      kind: 'failure',
      job_id: 'sync-orders',
      run_id: 9,
      title: 'sync-orders is failing',
      body: expect.stringMatching(/^The last run of sync-orders failed.* Last error: exited with code 2$/),
      at: 100,
    });
  });

  it('a failure without an error text, or without a finished run, has no "Last error"', () => {
    const noError = healthAlert({ job_id: 'a', from: null, to: 'failing' }, both, { id: 3, error: null }, 0);
    expect(noError?.body).not.toContain('Last error');
    expect(noError?.run_id).toBe(3);
    const noRun = healthAlert({ job_id: 'a', from: null, to: 'failing' }, both, null, 0);
    expect(noRun).toMatchObject({ kind: 'failure', run_id: null });
    expect(noRun?.body).not.toContain('Last error');
  });

  it('a recovery never quotes an error', () => {
    const alert = healthAlert({ job_id: 'sync-orders', from: 'failing', to: 'ok' }, both, failedRun, 100);
    expect(alert).toMatchObject({ kind: 'recovery', run_id: 9, title: 'sync-orders recovered' });
    expect(alert?.body).not.toContain('Last error');
  });

  it('no alert when the notify policy or the transition wants none', () => {
    expect(healthAlert({ job_id: 'a', from: 'ok', to: 'failing' }, none, failedRun, 0)).toBeNull();
    expect(healthAlert({ job_id: 'a', from: 'failing', to: 'failing' }, both, failedRun, 0)).toBeNull();
    expect(healthAlert({ job_id: 'a', from: 'ok', to: 'overdue' }, both, failedRun, 0)).toBeNull();
  });
});
