import { describe, expect, it } from 'vitest';
import type { JobHealth, RunState } from '../../contract/model.js';
import { jobHealth, type JobHealthInput } from '../../main/engine/health.js';

const NOW = Date.parse('2026-05-04T12:00:00Z');
const finished = (state: RunState) => ({ state, finished_at: NOW - 60_000 });
const input = (over: Partial<JobHealthInput>): JobHealthInput => ({
  enabled: true,
  invalid: false,
  running: false,
  retryPending: false,
  lastFinished: null,
  overdueAt: null,
  now: NOW,
  ...over,
});

describe('jobHealth', () => {
  const cases: Array<[string, Partial<JobHealthInput>, JobHealth]> = [
    ['no runs yet, nothing due', {}, 'ok'],
    ['last run succeeded', { lastFinished: finished('succeeded') }, 'ok'],
    ['last run cancelled by an operator counts as ok', { lastFinished: finished('cancelled') }, 'ok'],
    ['last run failed', { lastFinished: finished('failed') }, 'failing'],
    ['last run timed out', { lastFinished: finished('timed_out') }, 'failing'],
    ['last run interrupted', { lastFinished: finished('interrupted') }, 'failing'],
    ['a skipped run passed in anyway says nothing', { lastFinished: finished('skipped') }, 'ok'],
    ['overdue exactly at the deadline', { overdueAt: NOW }, 'overdue'],
    ['not overdue a millisecond before', { overdueAt: NOW + 1 }, 'ok'],
    ['failing beats overdue', { lastFinished: finished('failed'), overdueAt: NOW - 1 }, 'failing'],
    [
      'retrying beats failing (the chain has not ended)',
      { retryPending: true, lastFinished: finished('failed') },
      'retrying',
    ],
    ['retrying beats overdue', { retryPending: true, overdueAt: NOW - 1 }, 'retrying'],
    ['running beats failing (the card shows progress)', { running: true, lastFinished: finished('failed') }, 'running'],
    ['running beats retrying', { running: true, retryPending: true }, 'running'],
    ['running beats overdue', { running: true, overdueAt: NOW - 1 }, 'running'],
    ['disabled beats running', { enabled: false, running: true }, 'disabled'],
    [
      'disabled beats failing and overdue',
      { enabled: false, lastFinished: finished('failed'), overdueAt: NOW - 1 },
      'disabled',
    ],
    ['invalid beats disabled', { invalid: true, enabled: false }, 'invalid'],
    [
      'invalid beats everything',
      { invalid: true, running: true, retryPending: true, lastFinished: finished('failed'), overdueAt: NOW - 1 },
      'invalid',
    ],
  ];

  it.each(cases)('%s', (_name, over, expected) => {
    expect(jobHealth(input(over))).toBe(expected);
  });
});
