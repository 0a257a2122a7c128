import { describe, expect, it } from 'vitest';
import { timeoutAlert } from '../../main/engine/alerts.js';

const run = { id: 42, job_id: 'sync-orders', attempt: 2, max_attempts: 3, error: 'timed out after 3m' };

describe('timeoutAlert', () => {
  it('names the run, its attempt and the run error', () => {
    expect(timeoutAlert(run, false, 7)).toEqual({
      kind: 'timeout',
      job_id: 'sync-orders',
      run_id: 42,
      title: 'sync-orders timed out',
      body: 'Run 42 of sync-orders (attempt 2/3) timed out after 3m and was stopped.',
      at: 7,
    });
  });

  it('says when another attempt follows', () => {
    expect(timeoutAlert(run, true, 7).body).toBe(
      'Run 42 of sync-orders (attempt 2/3) timed out after 3m and was stopped. It will be retried.',
    );
  });

  it('a run without an error text still reads as a sentence', () => {
    expect(timeoutAlert({ ...run, error: null }, false, 7).body).toBe(
      'Run 42 of sync-orders (attempt 2/3) timed out and was stopped.',
    );
  });
});
