import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../contract/model.js';
import { lastSlotBetween, nextFireAfter } from '../../contract/schedule.js';

const t = (iso: string): number => Date.parse(iso);
const cron = (pattern: string, timezone: string): Schedule => ({ kind: 'cron', cron: pattern, timezone });

/** Every fire time in [from, to), as ISO strings. */
function firesIn(schedule: Schedule, from: string, to: string): string[] {
  const fires: string[] = [];
  for (
    let next = nextFireAfter(schedule, t(from) - 1);
    next !== null && next < t(to);
    next = nextFireAfter(schedule, next)
  ) {
    fires.push(new Date(next).toISOString());
  }
  return fires;
}

// Local calendar days as UTC instants. Europe/Berlin: CET = UTC+1, CEST = UTC+2;
// America/New_York: EST = UTC-5, EDT = UTC-4.
const BERLIN_SPRING = { from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z' }; // 23 h
const BERLIN_FALL = { from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z' }; // 25 h
const NY_SPRING = { from: '2026-03-08T05:00:00.000Z', to: '2026-03-09T04:00:00.000Z' };
const NY_FALL = { from: '2026-11-01T04:00:00.000Z', to: '2026-11-02T05:00:00.000Z' };

describe('cron across DST transitions', () => {
  it('Europe/Berlin spring forward: 02:30 does not exist, a fixed-time job fires once at 03:00 CEST', () => {
    expect(firesIn(cron('30 2 * * *', 'Europe/Berlin'), BERLIN_SPRING.from, BERLIN_SPRING.to)).toEqual([
      '2026-03-29T01:00:00.000Z',
    ]);
  });

  it('Europe/Berlin spring forward: the days around it keep 02:30 local', () => {
    expect(firesIn(cron('30 2 * * *', 'Europe/Berlin'), '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, right after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('Europe/Berlin fall back: 02:30 happens twice, a fixed-time job fires once, at the first', () => {
    expect(firesIn(cron('30 2 * * *', 'Europe/Berlin'), BERLIN_FALL.from, BERLIN_FALL.to)).toEqual([
      '2026-10-25T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin fall back: a list of fixed times fires once per listed time', () => {
    expect(firesIn(cron('30 2,14 * * *', 'Europe/Berlin'), BERLIN_FALL.from, BERLIN_FALL.to)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T13:30:00.000Z',
    ]);
  });

  it('Europe/Berlin: an hourly job fires every real hour, 25 on the fall-back day and 23 on the spring-forward day', () => {
    const hourly = cron('0 * * * *', 'Europe/Berlin');
    const fall = firesIn(hourly, BERLIN_FALL.from, BERLIN_FALL.to);
    expect(fall).toHaveLength(25);
    expect(fall).toContain('2026-10-25T00:00:00.000Z'); // 02:00 CEST
    expect(fall).toContain('2026-10-25T01:00:00.000Z'); // 02:00 CET
    expect(firesIn(hourly, BERLIN_SPRING.from, BERLIN_SPRING.to)).toHaveLength(23);
  });

  it('America/New_York spring forward: 02:30 fires once at 03:00 EDT', () => {
    expect(firesIn(cron('30 2 * * *', 'America/New_York'), NY_SPRING.from, NY_SPRING.to)).toEqual([
      '2026-03-08T07:00:00.000Z',
    ]);
  });

  it('America/New_York fall back: 01:30 happens twice and fires once, at 01:30 EDT', () => {
    expect(firesIn(cron('30 1 * * *', 'America/New_York'), NY_FALL.from, NY_FALL.to)).toEqual([
      '2026-11-01T05:30:00.000Z',
    ]);
  });

  it('America/New_York: an hourly job fires 25 times on the fall-back day', () => {
    expect(firesIn(cron('0 * * * *', 'America/New_York'), NY_FALL.from, NY_FALL.to)).toHaveLength(25);
  });

  it('catch-up agrees with forward scheduling on the fall-back day: no phantom second 02:30', () => {
    const daily = cron('30 2 * * *', 'Europe/Berlin');
    expect(lastSlotBetween(daily, t('2026-10-25T00:30:00Z'), t('2026-10-25T03:00:00Z'))).toBeNull();
  });

  it('catch-up across the spring-forward gap finds the 03:00 CEST fire', () => {
    const daily = cron('30 2 * * *', 'Europe/Berlin');
    expect(lastSlotBetween(daily, t('2026-03-28T12:00:00Z'), t('2026-03-29T06:00:00Z'))).toBe(
      t('2026-03-29T01:00:00Z'),
    );
  });
});
