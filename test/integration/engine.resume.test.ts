import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HealthSnapshot } from '../../contract/model.js';
import { makeTestEngine, waitForRun } from '../helpers/engine.js';

const OK = { 'ok.mjs': 'export default async () => "ok";' };

describe('engine.onResume (the desktop app calls it on powerMonitor resume)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('after a suspend, missed slots are caught up and overdue deadlines re-evaluated at once', async () => {
    // Only the clock is faked: a suspended machine runs no timer, then finds the clock hours ahead.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const { engine } = await makeTestEngine({
      files: OK,
      jobs: `
jobs:
  - { id: hourly, script: ok.mjs, schedule: { every: 1h }, catch_up: once }
  - { id: half-hourly, script: ok.mjs, schedule: { every: 30m }, catch_up: skip }
`,
    });
    expect(engine.health().overall).toBe('ok');
    const changes: HealthSnapshot[] = [];
    engine.events.on('health:change', (snapshot) => changes.push(snapshot));

    vi.setSystemTime(Date.now() + 3 * 3_600_000);
    engine.onResume();

    // Synchronously, before any timer could have run.
    const caughtUp = engine.listRuns({ trigger: 'catch_up' }).runs;
    expect(caughtUp.map((run) => run.job_id)).toEqual(['hourly']);
    // catch_up: skip runs nothing; the six slots the sleep took are one skipped run that says so.
    const letGo = engine.listRuns({ job_id: 'half-hourly' }).runs;
    expect(letGo.map((run) => [run.state, run.trigger])).toEqual([['skipped', 'schedule']]);
    expect(letGo[0]!.reason).toMatch(
      /^missed 6 scheduled runs .*: Jobtray was not running or the computer was asleep; let go/,
    );
    expect(engine.getJob('half-hourly').health).toBe('overdue');
    expect(changes.at(-1)).toMatchObject({ jobs: { 'half-hourly': 'overdue' } });
    expect(engine.getJob('hourly').next_fire_at!).toBeGreaterThan(Date.now());

    expect(await waitForRun(engine, caughtUp[0]!.id)).toMatchObject({ state: 'succeeded' });
    await engine.close();
  });
});
