import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../contract/model.js';
import { describeSchedule } from '../../contract/schedule.js';

describe('describeSchedule', () => {
  it.each<[Schedule | null, string]>([
    [null, 'manual'],
    [{ kind: 'every', every: '10m', every_ms: 600_000 }, 'every 10m'],
    [{ kind: 'every', every: '90m', every_ms: 5_400_000 }, 'every 90m'],
    [{ kind: 'cron', cron: '*/10 9-21 * * 1-5', timezone: 'Europe/Berlin' }, 'cron */10 9-21 * * 1-5 (Europe/Berlin)'],
    [{ kind: 'cron', cron: '0 3 * * *', timezone: null }, 'cron 0 3 * * *'],
    [
      { kind: 'at', at: '2026-12-01 10:00 +01:00', at_ms: Date.parse('2026-12-01T09:00:00.000Z') },
      'once at 2026-12-01T09:00:00.000Z',
    ],
  ])('%j → %s', (schedule, expected) => {
    expect(describeSchedule(schedule)).toBe(expected);
  });
});
