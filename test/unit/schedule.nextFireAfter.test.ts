import { describe, expect, it } from 'vitest';
import { JobtrayError } from '../../contract/errors.js';
import type { Schedule } from '../../contract/model.js';
import { nextFireAfter } from '../../contract/schedule.js';

const t = (iso: string): number => Date.parse(iso);
const cron = (pattern: string, timezone: string | null = 'UTC'): Schedule => ({
  kind: 'cron',
  cron: pattern,
  timezone,
});
const every = (text: string, ms: number): Schedule => ({ kind: 'every', every: text, every_ms: ms });
const at = (iso: string): Schedule => ({ kind: 'at', at: iso, at_ms: t(iso) });

describe('nextFireAfter', () => {
  const cases: Array<{
    name: string;
    schedule: Schedule | null;
    after: string;
    anchor?: string;
    expected: string | null;
  }> = [
    { name: 'manual never fires', schedule: null, after: '2026-01-01T10:00:00Z', expected: null },
    {
      name: '5-field cron, mid-interval',
      schedule: cron('*/10 * * * *'),
      after: '2026-01-01T10:03:00Z',
      expected: '2026-01-01T10:10:00Z',
    },
    {
      name: '5-field cron, exactly on a slot is strictly after',
      schedule: cron('*/10 * * * *'),
      after: '2026-01-01T10:10:00Z',
      expected: '2026-01-01T10:20:00Z',
    },
    {
      name: '5-field cron, a millisecond before a slot',
      schedule: cron('*/10 * * * *'),
      after: '2026-01-01T10:09:59.999Z',
      expected: '2026-01-01T10:10:00Z',
    },
    {
      name: '5-field cron, milliseconds after a slot',
      schedule: cron('*/10 * * * *'),
      after: '2026-01-01T10:10:00.500Z',
      expected: '2026-01-01T10:20:00Z',
    },
    {
      name: '6-field cron (seconds first)',
      schedule: cron('*/15 * * * * *'),
      after: '2026-01-01T00:00:07Z',
      expected: '2026-01-01T00:00:15Z',
    },
    {
      name: '6-field cron, exactly on a slot',
      schedule: cron('*/15 * * * * *'),
      after: '2026-01-01T00:00:15Z',
      expected: '2026-01-01T00:00:30Z',
    },
    {
      name: '6-field cron, fixed second',
      schedule: cron('30 0 12 * * *'),
      after: '2026-01-01T12:00:00Z',
      expected: '2026-01-01T12:00:30Z',
    },
    // Friday 2026-03-06 21:50 CET is the last slot of the week; next is Monday 09:00 CET.
    {
      name: 'cron with night and weekend gaps, in a timezone',
      schedule: cron('*/10 9-21 * * 1-5', 'Europe/Berlin'),
      after: '2026-03-06T20:50:00Z',
      expected: '2026-03-09T08:00:00Z',
    },
    {
      name: 'cron in a timezone, daytime',
      schedule: cron('0 9 * * *', 'America/New_York'),
      after: '2026-01-15T00:00:00Z',
      expected: '2026-01-15T14:00:00Z',
    },
    // Day of month and day of week restricted together: OR, as in classic cron.
    {
      name: 'dom OR dow: a Friday that is not the 13th',
      schedule: cron('0 0 13 * 5'),
      after: '2026-04-01T00:00:00Z',
      expected: '2026-04-03T00:00:00Z',
    },
    {
      name: 'dom OR dow: the 13th, a Monday',
      schedule: cron('0 0 13 * 5'),
      after: '2026-04-10T00:00:00Z',
      expected: '2026-04-13T00:00:00Z',
    },
    {
      name: 'every without anchor: after + every',
      schedule: every('10m', 600_000),
      after: '2026-01-01T10:03:00Z',
      expected: '2026-01-01T10:13:00Z',
    },
    {
      name: 'every on an anchored grid',
      schedule: every('10m', 600_000),
      after: '2026-01-01T10:25:00Z',
      anchor: '2026-01-01T10:00:00Z',
      expected: '2026-01-01T10:30:00Z',
    },
    {
      name: 'every, exactly on a grid slot',
      schedule: every('10m', 600_000),
      after: '2026-01-01T10:30:00Z',
      anchor: '2026-01-01T10:00:00Z',
      expected: '2026-01-01T10:40:00Z',
    },
    {
      name: 'every, far past the anchor keeps the phase',
      schedule: every('1h', 3_600_000),
      after: '2026-02-01T05:59:00Z',
      anchor: '2026-01-01T00:15:00Z',
      expected: '2026-02-01T06:15:00Z',
    },
    {
      name: 'every, grid extends before the anchor',
      schedule: every('10m', 600_000),
      after: '2026-01-01T09:55:00Z',
      anchor: '2026-01-01T10:00:00Z',
      expected: '2026-01-01T10:00:00Z',
    },
    {
      name: 'at in the future',
      schedule: at('2026-12-01T09:00:00.000Z'),
      after: '2026-11-30T00:00:00Z',
      expected: '2026-12-01T09:00:00.000Z',
    },
    { name: 'at in the past', schedule: at('2026-12-01T09:00:00.000Z'), after: '2026-12-02T00:00:00Z', expected: null },
    {
      name: 'at exactly now is not after now',
      schedule: at('2026-12-01T09:00:00.000Z'),
      after: '2026-12-01T09:00:00.000Z',
      expected: null,
    },
  ];

  it.each(cases)('$name', ({ schedule, after, anchor, expected }) => {
    const result = nextFireAfter(schedule, t(after), anchor === undefined ? undefined : t(anchor));
    expect(result).toBe(expected === null ? null : t(expected));
  });

  it('throws an actionable JobtrayError for a cron that never passed validation', () => {
    const call = () => nextFireAfter(cron('61 * * * *'), t('2026-01-01T00:00:00Z'));
    expect(call).toThrow(JobtrayError);
    expect(call).toThrow(/cron "61 \* \* \* \*".*schedule in the jobs file/);
  });

  it('throws for a non-positive every_ms', () => {
    expect(() => nextFireAfter(every('0s', 0), 0)).toThrow(/every_ms must be a positive number/);
  });
});
