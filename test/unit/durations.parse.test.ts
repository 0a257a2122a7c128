import { describe, expect, it } from 'vitest';
import { checkDuration, formatDuration, formatRunDuration, parseDuration } from '../../contract/durations.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5h', 5_400_000],
    ['1h30m', 5_400_000],
    ['1h 30m 15s', 5_415_000],
    ['2 days', 172_800_000],
    ['10 minutes', 600_000],
    [' 45s ', 45_000],
    ['1w', 604_800_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    [30],
    ['30'],
    ['0s'],
    ['-5m'],
    ['0.1ms'],
    [''],
    ['soon'],
    ['5 parsecs'],
    ['1h30'],
    [null],
    [undefined],
    [true],
    [{ m: 5 }],
  ])('rejects %j', (value) => {
    expect(parseDuration(value)).toBeNull();
  });
});

describe('checkDuration', () => {
  it('says why a duration is invalid, quoting it', () => {
    expect(checkDuration(30)).toEqual({
      ok: false,
      why: 'duration 30 has no unit (e.g. "30s", "5m", "2h" or "1h30m")',
    });
    expect(checkDuration('30')).toEqual({
      ok: false,
      why: 'duration "30" has no unit (e.g. "30s", "5m", "2h" or "1h30m")',
    });
    expect(checkDuration('-5m')).toEqual({ ok: false, why: 'duration "-5m" must be greater than zero' });
    expect(checkDuration('0s')).toEqual({ ok: false, why: 'duration "0s" must be greater than zero' });
    expect(checkDuration('soon')).toEqual({
      ok: false,
      why: 'invalid duration "soon" (e.g. "30s", "5m", "2h" or "1h30m")',
    });
    expect(checkDuration('5 parsecs')).toEqual({
      ok: false,
      why: 'invalid duration "5 parsecs": unknown unit "parsecs" (use ms, s, m, h, d or w)',
    });
    expect(checkDuration(false)).toEqual({
      ok: false,
      why: 'expected a duration (e.g. "30s", "5m", "2h" or "1h30m"), got false',
    });
  });
});

describe('formatRunDuration', () => {
  it.each([
    [250, '250ms'],
    [2_340, '2s 340ms'],
    [9_999, '9s 999ms'],
    [16_113, '16s'],
    [56_697, '57s'],
    [121_049, '2m 1s'],
    [3_599_600, '1h'],
    [3_929_999, '1h 5m'],
    [0, '0ms'],
  ])('%d → %s', (ms, text) => {
    expect(formatRunDuration(ms)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [5_400_000, '1h 30m'],
    [45_000, '45s'],
    [250, '250ms'],
    [0, '0ms'],
    [90_061_001, '1d 1h 1m 1s 1ms'],
    [1_500, '1s 500ms'],
    [-60_000, '-1m'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 61_000, 3_600_000 + 1_000, 86_400_000 * 3 + 7]) {
      expect(parseDuration(formatDuration(ms).replace(/ /g, ''))).toBe(ms);
    }
  });
});
