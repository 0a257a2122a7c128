import { describe, expect, it } from 'vitest';
import { parseParamArgs } from '../../main/cli/arguments.js';
import { artifactTarget } from '../../main/cli/artifacts.js';
import { scheduleFromOptions } from '../../main/cli/commands.js';
import { UsageError } from '../../main/cli/errors.js';
import type { ArtifactRecord } from '../../contract/model.js';

describe('parseParamArgs', () => {
  it('keeps values as strings, splitting at the first "="', () => {
    expect(parseParamArgs(['days=3', 'filter=a=b', 'empty='])).toEqual({ days: '3', filter: 'a=b', empty: '' });
  });

  it('names a malformed or repeated argument', () => {
    expect(() => parseParamArgs(['days'])).toThrow(
      new UsageError('--param "days" is not name=value (e.g. --param days_back=3)'),
    );
    expect(() => parseParamArgs(['=3'])).toThrow(UsageError);
    expect(() => parseParamArgs(['a=1', 'a=2'])).toThrow('--param a is given twice');
  });
});

describe('scheduleFromOptions', () => {
  it('accepts exactly one form', () => {
    expect(scheduleFromOptions({ cron: '*/5 * * * *', timezone: 'Europe/Berlin' })).toEqual({
      cron: '*/5 * * * *',
      timezone: 'Europe/Berlin',
    });
    expect(scheduleFromOptions({ every: '10m' })).toEqual({ every: '10m' });
    expect(scheduleFromOptions({ at: '2030-01-01T09:00:00Z' })).toEqual({ at: '2030-01-01T09:00:00Z' });
    expect(scheduleFromOptions({ reset: true })).toBeNull();
  });

  it('refuses none, several, or a time zone without cron', () => {
    expect(() => scheduleFromOptions({})).toThrow(UsageError);
    expect(() => scheduleFromOptions({ every: '1m', at: '2030-01-01T00:00:00Z' })).toThrow('(got --every and --at)');
    expect(() => scheduleFromOptions({ every: '1m', timezone: 'UTC' })).toThrow('--timezone only goes with --cron');
  });
});

describe('artifactTarget', () => {
  const record = (name: string): ArtifactRecord => ({
    run_id: 1,
    name,
    size: 1,
    sha256: 'x',
    path: 'a',
    media_type: 'text/plain',
    created_at: 0,
  });

  it('puts a plain name inside the directory', () => {
    expect(artifactTarget('/save/here', record('export.csv'))).toBe('/save/here/export.csv');
  });

  it('refuses names that could point elsewhere', () => {
    for (const name of ['../x', '..', '.', 'a/b', 'a\\b', '/etc/passwd', 'nul\0', 'line\nbreak', '']) {
      expect(artifactTarget('/save/here', record(name)), name).toBeNull();
    }
  });
});
