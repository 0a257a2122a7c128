import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../contract/model.js';
import { SLOT_COUNT_CAP, countSlotsBetween } from '../../contract/schedule.js';

const t = (iso: string): number => Date.parse(iso);

describe('countSlotsBetween', () => {
  const every2s: Schedule = { kind: 'every', every: '2s', every_ms: 2_000 };
  const hourly: Schedule = { kind: 'cron', cron: '0 * * * *', timezone: 'UTC' };

  it('every: slots on the anchored grid in (since, until]', () => {
    const anchor = 1_000;
    expect(countSlotsBetween(every2s, 1_000, 1_000, anchor)).toEqual({ count: 0, capped: false });
    expect(countSlotsBetween(every2s, 1_000, 2_999, anchor)).toEqual({ count: 0, capped: false });
    expect(countSlotsBetween(every2s, 1_000, 3_000, anchor)).toEqual({ count: 1, capped: false });
    expect(countSlotsBetween(every2s, 1_000, 9_000, anchor)).toEqual({ count: 4, capped: false });
    // `since` off the grid: the grid stays where the anchor put it.
    expect(countSlotsBetween(every2s, 2_500, 9_000, anchor)).toEqual({ count: 4, capped: false });
    expect(countSlotsBetween(every2s, 3_500, 9_000, anchor)).toEqual({ count: 3, capped: false });
  });

  it('every: a long downtime is counted by arithmetic, never capped', () => {
    const week = 7 * 24 * 3_600_000;
    expect(countSlotsBetween(every2s, 0, week, 0)).toEqual({ count: week / 2_000, capped: false });
  });

  it('cron: since is excluded, until included', () => {
    expect(countSlotsBetween(hourly, t('2026-01-01T10:00:00Z'), t('2026-01-01T13:00:00Z'))).toEqual({
      count: 3,
      capped: false,
    });
    expect(countSlotsBetween(hourly, t('2026-01-01T10:00:00Z'), t('2026-01-01T12:59:59Z')).count).toBe(2);
  });

  it('cron: stops at the cap', () => {
    const everyMinute: Schedule = { kind: 'cron', cron: '* * * * *', timezone: 'UTC' };
    expect(countSlotsBetween(everyMinute, t('2026-01-01T00:00:00Z'), t('2026-02-01T00:00:00Z'))).toEqual({
      count: SLOT_COUNT_CAP,
      capped: true,
    });
  });

  it('at: one slot when it falls in the span', () => {
    const at: Schedule = { kind: 'at', at: '2026-01-01T10:00:00Z', at_ms: t('2026-01-01T10:00:00Z') };
    expect(countSlotsBetween(at, t('2026-01-01T09:00:00Z'), t('2026-01-01T10:00:00Z')).count).toBe(1);
    expect(countSlotsBetween(at, t('2026-01-01T10:00:00Z'), t('2026-01-01T11:00:00Z')).count).toBe(0);
  });

  it('no schedule, or an empty span: none', () => {
    expect(countSlotsBetween(null, 0, 10_000).count).toBe(0);
    expect(countSlotsBetween(every2s, 5_000, 4_000).count).toBe(0);
  });
});
