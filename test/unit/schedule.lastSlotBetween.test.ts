import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../contract/model.js';
import { lastSlotBetween } from '../../contract/schedule.js';

const t = (iso: string): number => Date.parse(iso);
const cron = (pattern: string): Schedule => ({ kind: 'cron', cron: pattern, timezone: 'UTC' });
const every = (text: string, ms: number): Schedule => ({ kind: 'every', every: text, every_ms: ms });
const at = (iso: string): Schedule => ({ kind: 'at', at: iso, at_ms: t(iso) });

describe('lastSlotBetween', () => {
  const cases: Array<{
    name: string;
    schedule: Schedule | null;
    since: string;
    now: string;
    anchor?: string;
    expected: string | null;
  }> = [
    {
      name: 'manual has no slots',
      schedule: null,
      since: '2026-01-01T00:00:00Z',
      now: '2026-01-02T00:00:00Z',
      expected: null,
    },
    {
      name: 'empty window (now = since)',
      schedule: cron('* * * * *'),
      since: '2026-01-01T00:00:00Z',
      now: '2026-01-01T00:00:00Z',
      expected: null,
    },
    {
      name: 'inverted window',
      schedule: cron('* * * * *'),
      since: '2026-01-01T01:00:00Z',
      now: '2026-01-01T00:00:00Z',
      expected: null,
    },
    // Nine days of downtime with an hourly job: only the newest slot.
    {
      name: 'cron, long downtime returns only the newest slot',
      schedule: cron('0 * * * *'),
      since: '2026-01-01T00:00:00Z',
      now: '2026-01-10T15:30:00Z',
      expected: '2026-01-10T15:00:00Z',
    },
    {
      name: 'cron, slot exactly at now counts',
      schedule: cron('0 * * * *'),
      since: '2026-01-10T14:00:00Z',
      now: '2026-01-10T15:00:00Z',
      expected: '2026-01-10T15:00:00Z',
    },
    {
      name: 'cron, slot exactly at since does not (it already fired)',
      schedule: cron('0 * * * *'),
      since: '2026-01-10T15:00:00Z',
      now: '2026-01-10T15:59:59.999Z',
      expected: null,
    },
    {
      name: 'cron, a millisecond before the slot',
      schedule: cron('0 * * * *'),
      since: '2026-01-10T14:00:00Z',
      now: '2026-01-10T14:59:59.999Z',
      expected: null,
    },
    {
      name: 'cron with night gaps, missed over a weekend',
      schedule: cron('*/10 9-21 * * 1-5'),
      since: '2026-03-06T12:00:00Z',
      now: '2026-03-09T08:00:00Z',
      expected: '2026-03-06T21:50:00Z',
    },
    {
      name: '6-field cron',
      schedule: cron('*/15 * * * * *'),
      since: '2026-01-01T00:00:00Z',
      now: '2026-01-01T00:01:07Z',
      expected: '2026-01-01T00:01:00Z',
    },
    {
      name: 'every on an anchored grid, long downtime',
      schedule: every('10m', 600_000),
      since: '2026-01-01T10:00:00Z',
      now: '2026-01-01T13:07:00Z',
      anchor: '2026-01-01T10:00:00Z',
      expected: '2026-01-01T13:00:00Z',
    },
    {
      name: 'every, nothing missed yet',
      schedule: every('10m', 600_000),
      since: '2026-01-01T13:00:00Z',
      now: '2026-01-01T13:07:00Z',
      anchor: '2026-01-01T10:00:00Z',
      expected: null,
    },
    {
      name: 'every, anchor phase differs from since',
      schedule: every('1h', 3_600_000),
      since: '2026-01-01T10:40:00Z',
      now: '2026-01-01T12:20:00Z',
      anchor: '2026-01-01T00:15:00Z',
      expected: '2026-01-01T12:15:00Z',
    },
    {
      name: 'every without anchor: the grid starts at since',
      schedule: every('10m', 600_000),
      since: '2026-01-01T10:00:00Z',
      now: '2026-01-01T10:25:00Z',
      expected: '2026-01-01T10:20:00Z',
    },
    {
      name: 'every, slot exactly at now counts',
      schedule: every('10m', 600_000),
      since: '2026-01-01T10:00:00Z',
      now: '2026-01-01T10:10:00Z',
      expected: '2026-01-01T10:10:00Z',
    },
    {
      name: 'at inside the window',
      schedule: at('2026-12-01T09:00:00.000Z'),
      since: '2026-11-30T00:00:00Z',
      now: '2026-12-02T00:00:00Z',
      expected: '2026-12-01T09:00:00.000Z',
    },
    {
      name: 'at exactly now',
      schedule: at('2026-12-01T09:00:00.000Z'),
      since: '2026-11-30T00:00:00Z',
      now: '2026-12-01T09:00:00.000Z',
      expected: '2026-12-01T09:00:00.000Z',
    },
    {
      name: 'at still in the future',
      schedule: at('2026-12-01T09:00:00.000Z'),
      since: '2026-11-30T00:00:00Z',
      now: '2026-12-01T08:59:59.999Z',
      expected: null,
    },
    {
      name: 'at already handled before since',
      schedule: at('2026-12-01T09:00:00.000Z'),
      since: '2026-12-01T09:00:00.000Z',
      now: '2026-12-05T00:00:00Z',
      expected: null,
    },
  ];

  it.each(cases)('$name', ({ schedule, since, now, anchor, expected }) => {
    const result = lastSlotBetween(schedule, t(since), t(now), anchor === undefined ? undefined : t(anchor));
    expect(result).toBe(expected === null ? null : t(expected));
  });
});
