import { describe, expect, it } from 'vitest';
import {
  clockTime,
  describeOutcome,
  durationText,
  progressText,
  runStateWord,
  shortTime,
} from '../../contract/format.js';
import { runRecord } from '../helpers/fixtures.js';

describe('run text', () => {
  it('says states in words', () => {
    expect(runStateWord('timed_out')).toBe('timed out');
    expect(runStateWord('retry_scheduled')).toBe('retry scheduled');
    expect(runStateWord('running')).toBe('running');
  });

  it('shows progress as percent and step, or the state when no step was reported', () => {
    expect(progressText({ progress: 39.6, step: 'Importing orders', state: 'running' })).toBe('40% Importing orders');
    expect(progressText({ progress: null, step: null, state: 'retry_scheduled' })).toBe('retry scheduled');
  });

  it('describes how a run ended in one sentence', () => {
    expect(describeOutcome(runRecord())).toBe('Run 1 (test-job, attempt 1/1) succeeded in 2s');
    expect(
      describeOutcome(
        runRecord({ id: 7, state: 'timed_out', attempt: 2, max_attempts: 3, error: 'timed out after 3m' }),
      ),
    ).toBe('Run 7 (test-job, attempt 2/3) timed out after 2s: timed out after 3m');
    expect(describeOutcome(runRecord({ state: 'cancelled', duration_ms: null, reason: 'cancelled by cli' }))).toBe(
      'Run 1 (test-job, attempt 1/1) cancelled: cancelled by cli',
    );
    expect(describeOutcome(runRecord({ state: 'skipped', reason: null }))).toBe(
      'Run 1 (test-job, attempt 1/1) was skipped: no reason recorded',
    );
  });

  it('shows a missing time or duration as "-"', () => {
    expect(durationText(null)).toBe('-');
    expect(durationText(5_400_000)).toBe('1h 30m');
    expect(shortTime(null)).toBe('-');
  });

  it('shows a time of today as a clock time, another day with its date (local time)', () => {
    const at = new Date(2026, 0, 15, 9, 5, 7).getTime();
    expect(clockTime(at)).toBe('09:05:07');
    expect(shortTime(at, new Date(2026, 0, 15, 23, 0, 0).getTime())).toBe('09:05:07');
    expect(shortTime(at, new Date(2026, 0, 16, 0, 30, 0).getTime())).toBe('2026-01-15 09:05');
  });
});
