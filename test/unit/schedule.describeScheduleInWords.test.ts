import { describe, expect, it } from 'vitest';
import { describeScheduleInWords } from '../../contract/schedule.js';

describe('describeScheduleInWords', () => {
  it('says cron patterns in words, with their time zone', () => {
    expect(describeScheduleInWords({ kind: 'cron', cron: '0 3 * * *', timezone: null })).toBe('At 03:00');
    expect(describeScheduleInWords({ kind: 'cron', cron: '*/10 9-21 * * 1-5', timezone: 'Europe/Berlin' })).toBe(
      'Every 10 minutes, between 09:00 and 21:59, Monday through Friday (Europe/Berlin)',
    );
  });

  it('says intervals in their largest whole unit', () => {
    expect(describeScheduleInWords({ kind: 'every', every: '10m', every_ms: 600_000 })).toBe('Every 10 minutes');
    expect(describeScheduleInWords({ kind: 'every', every: '90m', every_ms: 5_400_000 })).toBe('Every 90 minutes');
    expect(describeScheduleInWords({ kind: 'every', every: '1h', every_ms: 3_600_000 })).toBe('Every hour');
    expect(describeScheduleInWords({ kind: 'every', every: '2d', every_ms: 172_800_000 })).toBe('Every 2 days');
    expect(describeScheduleInWords({ kind: 'every', every: '1500ms', every_ms: 1_500 })).toBe('Every 1500 ms');
  });

  it('writes a one-off time with the caller’s formatter, and manual jobs as such', () => {
    const at = Date.UTC(2026, 11, 1, 8, 0, 0);
    expect(describeScheduleInWords({ kind: 'at', at: '2026-12-01T09:00:00+01:00', at_ms: at })).toBe(
      'Once, at 2026-12-01T08:00:00.000Z',
    );
    expect(describeScheduleInWords({ kind: 'at', at: 'x', at_ms: at }, (ms) => `t=${ms}`)).toBe(`Once, at t=${at}`);
    expect(describeScheduleInWords(null)).toBe('Manual only');
  });
});
