import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../contract/model.js';
import { overdueDeadline } from '../../contract/schedule.js';

const t = (iso: string): number => Date.parse(iso);
const GRACE = 5 * 60_000;
const cron = (pattern: string, timezone: string): Schedule => ({ kind: 'cron', cron: pattern, timezone });
const every10m: Schedule = { kind: 'every', every: '10m', every_ms: 600_000 };
const once: Schedule = { kind: 'at', at: '2026-12-01T09:00:00.000Z', at_ms: t('2026-12-01T09:00:00.000Z') };

describe('overdueDeadline', () => {
  const cases: Array<{
    name: string;
    schedule: Schedule | null;
    lastCompletedAt: string | null;
    firstSeenAt: string;
    expected: string | null;
  }> = [
    {
      name: 'every: next slot after the last completion, plus grace',
      schedule: every10m,
      lastCompletedAt: '2026-01-01T10:02:00Z',
      firstSeenAt: '2025-12-01T00:00:00Z',
      expected: '2026-01-01T10:17:00Z',
    },
    {
      name: 'every: never completed counts from first seen',
      schedule: every10m,
      lastCompletedAt: null,
      firstSeenAt: '2026-01-01T10:00:00Z',
      expected: '2026-01-01T10:15:00Z',
    },
    {
      name: 'cron: due at the next slot plus grace',
      schedule: cron('0 * * * *', 'UTC'),
      lastCompletedAt: '2026-01-01T10:00:30Z',
      firstSeenAt: '2025-12-01T00:00:00Z',
      expected: '2026-01-01T11:05:00Z',
    },
    {
      name: 'cron: a completion exactly at the slot moves the deadline on',
      schedule: cron('0 * * * *', 'UTC'),
      lastCompletedAt: '2026-01-01T11:00:00Z',
      firstSeenAt: '2025-12-01T00:00:00Z',
      expected: '2026-01-01T12:05:00Z',
    },
    // Friday 21:50 CET was the week's last slot: not overdue over the night or weekend.
    {
      name: 'cron with night/weekend gaps: due Monday 09:00 + grace',
      schedule: cron('*/10 9-21 * * 1-5', 'Europe/Berlin'),
      lastCompletedAt: '2026-03-06T20:51:00Z',
      firstSeenAt: '2026-01-01T00:00:00Z',
      expected: '2026-03-09T08:05:00Z',
    },
    {
      name: 'cron with night gaps: due next morning',
      schedule: cron('*/10 9-21 * * 1-5', 'Europe/Berlin'),
      lastCompletedAt: '2026-03-03T20:51:00Z',
      firstSeenAt: '2026-01-01T00:00:00Z',
      expected: '2026-03-04T08:05:00Z',
    },
    {
      name: 'manual only: never overdue',
      schedule: null,
      lastCompletedAt: null,
      firstSeenAt: '2026-01-01T00:00:00Z',
      expected: null,
    },
    {
      name: 'at, pending: due at the time plus grace',
      schedule: once,
      lastCompletedAt: null,
      firstSeenAt: '2026-11-01T00:00:00Z',
      expected: '2026-12-01T09:05:00.000Z',
    },
    {
      name: 'at, done: never overdue again',
      schedule: once,
      lastCompletedAt: '2026-12-01T09:01:00Z',
      firstSeenAt: '2026-11-01T00:00:00Z',
      expected: null,
    },
    {
      name: 'at, already past when first seen: never overdue',
      schedule: once,
      lastCompletedAt: null,
      firstSeenAt: '2026-12-02T00:00:00Z',
      expected: null,
    },
  ];

  it.each(cases)('$name', ({ schedule, lastCompletedAt, firstSeenAt, expected }) => {
    const result = overdueDeadline(
      schedule,
      lastCompletedAt === null ? null : t(lastCompletedAt),
      t(firstSeenAt),
      GRACE,
    );
    expect(result).toBe(expected === null ? null : t(expected));
  });
});
