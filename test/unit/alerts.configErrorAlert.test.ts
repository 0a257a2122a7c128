import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../../contract/model.js';
import { configErrorAlert } from '../../main/engine/alerts.js';

function error(message: string, job_id: string | null = null): ConfigError {
  return { file: '/data/jobs.yaml', line: 3, job_id, index: null, field: null, message };
}

describe('configErrorAlert', () => {
  it('names the file, counts the errors and says what was applied', () => {
    const alert = configErrorAlert('jobs.yaml', [error('jobs[0] (a): schedule.cron is invalid', 'a')], false, 1_000);
    expect(alert).toEqual({
      kind: 'config_error',
      job_id: null,
      run_id: null,
      title: 'jobs.yaml has 1 error',
      body: 'jobs[0] (a): schedule.cron is invalid\nThe valid jobs were applied; the last good definitions keep running.',
      at: 1_000,
    });
  });

  it('a file that could not be applied at all says so', () => {
    const alert = configErrorAlert('jobs.yaml', [error('YAML syntax error at line 3'), error('no jobs list')], true, 5);
    expect(alert.title).toBe('jobs.yaml has 2 errors');
    expect(alert.body).toBe(
      'YAML syntax error at line 3\nno jobs list\nNothing was applied; the last good definitions keep running.',
    );
  });

  it('lists three errors and counts the rest', () => {
    const errors = ['one', 'two', 'three', 'four', 'five'].map((m) => error(m));
    const alert = configErrorAlert('jobs.yaml', errors, false, 0);
    expect(alert.title).toBe('jobs.yaml has 5 errors');
    expect(alert.body.split('\n')).toEqual([
      'one',
      'two',
      'three',
      '… and 2 more',
      'The valid jobs were applied; the last good definitions keep running.',
    ]);
  });

  it('exactly three errors are all listed, with no "more" line', () => {
    const alert = configErrorAlert(
      'jobs.yaml',
      ['one', 'two', 'three'].map((m) => error(m)),
      false,
      0,
    );
    expect(alert.body).not.toContain('more');
    expect(alert.body.split('\n')).toHaveLength(4);
  });
});
