import { describe, expect, it } from 'vitest';
import { cronProblem } from '../../contract/schedule.js';

describe('cronProblem', () => {
  it.each([
    ['*/10 9-21 * * 1-5', 'Europe/Berlin'],
    ['0 0 * * *', null],
    ['*/15 * * * * *', 'UTC'],
    ['0 0 L * *', 'UTC'],
    ['0 9 * * MON-FRI', 'America/New_York'],
  ])('accepts %s (%s)', (pattern, timezone) => {
    expect(cronProblem(pattern, timezone)).toBeNull();
  });

  it.each([
    ['* * * * * * *', null, /7 field\(s\); use 5 .* or 6/],
    ['* * * *', null, /4 field\(s\)/],
    ['@daily', null, /1 field\(s\)/],
    ['', null, /0 field\(s\)/],
    ['61 * * * *', null, /cron "61 \* \* \* \*" is invalid/],
    ['0 0 30 2 *', null, /never fires/],
    ['0 9 * * *', 'Mars/Olympus', /timezone "Mars\/Olympus" is not an IANA time zone name/],
  ])('rejects %s (%s)', (pattern, timezone, message) => {
    expect(cronProblem(pattern, timezone)).toMatch(message);
  });
});
