import { describe, expect, it } from 'vitest';
import { dashboardHash, deepLinkInArgv, parseDeepLink } from '../../main/desktop/deep-link.js';

describe('deep links', () => {
  it('jobtray://run/<id> opens that run; job and dashboard links too', () => {
    expect(parseDeepLink('jobtray://run/42')).toEqual({ kind: 'run', runId: 42 });
    expect(parseDeepLink('jobtray://run/42/')).toEqual({ kind: 'run', runId: 42 });
    expect(parseDeepLink('jobtray://job/sync-orders')).toEqual({ kind: 'job', jobId: 'sync-orders' });
    expect(parseDeepLink('jobtray://dashboard')).toEqual({ kind: 'dashboard' });
  });

  it('refuses other schemes, bad ids and unknown kinds', () => {
    for (const url of [
      'https://run/42',
      'jobtray://run/0',
      'jobtray://run/-1',
      'jobtray://run/4x',
      'jobtray://run/99999999999999999',
      'jobtray://job/Bad_Id',
      'jobtray://settings',
      'not a url',
      'jobtray://run/42/extra',
    ]) {
      expect(parseDeepLink(url), url).toBeNull();
    }
  });

  it('finds the link among a second launch’s arguments', () => {
    expect(deepLinkInArgv(['/opt/Jobtray/jobtray', '--no-sandbox', 'jobtray://run/7'])).toEqual({
      kind: 'run',
      runId: 7,
    });
    expect(deepLinkInArgv(['/opt/Jobtray/jobtray', 'jobtray://nonsense', 'jobtray://job/a'])).toEqual({
      kind: 'job',
      jobId: 'a',
    });
    expect(deepLinkInArgv(['/opt/Jobtray/jobtray', '--hidden'])).toBeNull();
  });

  it('maps each target to the dashboard’s hash route', () => {
    expect(dashboardHash({ kind: 'run', runId: 42 })).toBe('#/runs/42');
    expect(dashboardHash({ kind: 'job', jobId: 'a-b' })).toBe('#/jobs/a-b');
    expect(dashboardHash({ kind: 'run-form', jobId: 'a' })).toBe('#/jobs/a?run=1');
    expect(dashboardHash({ kind: 'dashboard' })).toBe('#/');
  });
});
