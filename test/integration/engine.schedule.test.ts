import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/model.js';
import { makeTestEngine, nextRun, recordRuns, waitForRun } from '../helpers/engine.js';

const OK = { 'ok.mjs': 'export default async (ctx) => ctx.runId;' };

/**
 * An engine with one job, `ticker`, every 500 ms (`fields` added to its
 * entry), once its first scheduled run exists.
 */
async function tickerEngine(fields = '') {
  const { engine } = await makeTestEngine({
    files: OK,
    jobs: `
jobs:
  - { id: ticker, script: ok.mjs, schedule: { every: 500ms }${fields} }
`,
  });
  const seen = recordRuns(engine);
  await nextRun(engine, (r) => r.job_id === 'ticker' && r.trigger === 'schedule');
  return { engine, seen };
}

/** Keeps this thread busy for `ms`, as a job's log burst or a slow disk would: no timer turns meanwhile. */
function blockThread(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

function runsOf(seen: RunRecord[], jobId: string, state = 'succeeded'): RunRecord[] {
  return seen.filter((r) => r.job_id === jobId && r.state === state);
}

describe('schedules', () => {
  it('fires every-interval, 6-field cron and one-off `at` schedules with trigger schedule', async () => {
    const at = new Date(Date.now() + 700).toISOString();
    const { engine } = await makeTestEngine({
      files: OK,
      jobs: `
jobs:
  - { id: interval, script: ok.mjs, schedule: { every: 300ms } }
  - { id: each-second, script: ok.mjs, schedule: { cron: "* * * * * *", timezone: UTC } }
  - { id: once, script: ok.mjs, schedule: { at: "${at}" } }
  - { id: manual, script: ok.mjs }
`,
    });
    const seen = recordRuns(engine);
    expect(engine.getJob('manual').next_fire_at).toBeNull();
    expect(engine.getJob('once').next_fire_at).toBe(Date.parse(at));
    await nextRun(
      engine,
      () =>
        runsOf(seen, 'interval').length >= 3 &&
        runsOf(seen, 'each-second').length >= 1 &&
        runsOf(seen, 'once').length >= 1,
    );
    const interval = runsOf(seen, 'interval', 'running');
    expect(interval.every((r) => r.trigger === 'schedule' && r.requested_by === 'engine')).toBe(true);
    const gap = interval[2]!.started_at! - interval[1]!.started_at!;
    expect(gap).toBeGreaterThan(200);
    expect(gap).toBeLessThan(1500); // generous: this machine is shared with other tests; lateness is measured by the benchmark
    const once = runsOf(seen, 'once', 'running');
    expect(once).toHaveLength(1);
    expect(once[0]!.started_at!).toBeGreaterThanOrEqual(Date.parse(at));
    expect(engine.getJob('once').next_fire_at).toBeNull();
    expect(engine.getJob('interval').last_fire_at).not.toBeNull();
    expect(runsOf(seen, 'manual', 'queued')).toHaveLength(0);
    await engine.close();
  });

  it('catch_up: once runs a slot missed while the engine was down once, at start; skip does not', async () => {
    const jobs = `
jobs:
  - { id: nightly, script: ok.mjs, schedule: { cron: "0 3 * * *", timezone: Europe/Berlin }, catch_up: once }
  - { id: hourly, script: ok.mjs, schedule: { every: 1h }, catch_up: once }
  - { id: nightly-skip, script: ok.mjs, schedule: { cron: "0 3 * * *" }, catch_up: skip }
`;
    const first = await makeTestEngine({ files: OK, jobs });
    await first.engine.close();
    // The engine was "down" for three days.
    const db = new Database(path.join(first.dataDir, 'jobtray.db'));
    db.prepare('UPDATE job_state SET last_slot_at = ?, first_seen_at = ?').run(
      Date.now() - 3 * 86_400_000,
      Date.now() - 4 * 86_400_000,
    );
    db.close();
    const { engine } = await makeTestEngine({ files: OK, jobs, dataDir: first.dataDir });
    const seen = recordRuns(engine);
    // catch-up runs were created during start; wait for both to finish
    const started = engine.listRuns({ trigger: 'catch_up' }).runs;
    expect(started.map((r) => r.job_id).sort()).toEqual(['hourly', 'nightly']);
    await nextRun(engine, () => runsOf(seen, 'hourly').length === 1 && runsOf(seen, 'nightly').length === 1);
    // Every missed slot is accounted for: the ones without a run of their own are one skipped run per job.
    const [letGo, ...more] = engine.listRuns({ job_id: 'nightly-skip' }).runs;
    expect(more).toHaveLength(0);
    expect(letGo).toMatchObject({ state: 'skipped', trigger: 'schedule', requested_by: 'engine' });
    expect(letGo!.reason).toMatch(
      /^missed 3 scheduled runs from \S+ to \S+: Jobtray was not running or the computer was asleep; let go \(catch_up: skip\)$/,
    );
    const hourlySkipped = engine.listRuns({ job_id: 'hourly', state: 'skipped' }).runs;
    expect(hourlySkipped).toHaveLength(1);
    expect(hourlySkipped[0]!.reason).toMatch(
      /^missed 71 scheduled runs .*; caught up by one run now \(catch_up: once\)$/,
    );
    // the slots are handled: the next fire is in the future and nothing else was queued
    expect(engine.getJob('nightly').next_fire_at!).toBeGreaterThan(Date.now());
    expect(engine.listRuns({}).runs).toHaveLength(5);
    await engine.close();
  });

  it('a host too busy to fire on time: the newest slot still runs, the ones it missed are one skipped run saying so', async () => {
    const { engine, seen } = await tickerEngine();
    // The main thread is blocked: at least two slots pass without a timer turn.
    blockThread(1_600);
    const missed = await nextRun(engine, (r) => r.state === 'skipped' && /^missed/.test(r.reason ?? ''));
    expect(missed).toMatchObject({ job_id: 'ticker', trigger: 'schedule', requested_by: 'engine' });
    expect(missed.reason).toMatch(
      /^missed \d+ scheduled runs? .*: Jobtray fired late \(.+ after the slot: the host was busy or the computer slept\); the run for the newest slot started on time$/,
    );
    // The newest slot's run was created in the same timer turn, right after the record of the missed ones
    // (queued, or skipped for overlap while the first run still runs).
    expect(seen.find((r) => r.id === missed.id + 1)).toMatchObject({ job_id: 'ticker', trigger: 'schedule' });
    expect(seen.filter((r) => r.trigger === 'catch_up')).toHaveLength(0);
    await engine.close();
  });

  it('pausing handles the slots already due (a late timer had not fired them) before it pauses', async () => {
    const { engine } = await tickerEngine(', overlap: queue');
    const before = engine.listRuns({ job_id: 'ticker' }).runs.map((r) => r.id);
    blockThread(700);
    // A slot came due while the thread was blocked; no timer turn has run since.
    expect(engine.listRuns({ job_id: 'ticker' }).runs.map((r) => r.id)).toEqual(before);
    engine.pause('ui');
    const [due] = engine.listRuns({ job_id: 'ticker' }).runs;
    expect(due!.id).toBeGreaterThan(Math.max(...before));
    expect(due).toMatchObject({ trigger: 'schedule' });
    engine.resume('ui');
    expect(await waitForRun(engine, due!.id)).toMatchObject({ state: 'succeeded' });
    await engine.close();
  });

  it('a schedule override applies at once, survives a restart, shows against the file value and is reverted', async () => {
    const jobs = `
jobs:
  - { id: report, script: ok.mjs, schedule: { cron: "0 6 * * *" } }
`;
    const first = await makeTestEngine({ files: OK, jobs });
    const view = first.engine.setScheduleOverride('report', { every: '250ms' }, 'ui');
    expect(view.overrides.schedule).toMatchObject({ kind: 'every', every_ms: 250 });
    expect(view.file_schedule).toMatchObject({ kind: 'cron', cron: '0 6 * * *' });
    expect(view.definition!.schedule).toMatchObject({ kind: 'every' });
    await nextRun(first.engine, (r) => r.job_id === 'report' && r.trigger === 'schedule' && r.state === 'succeeded');
    expect(() => first.engine.setScheduleOverride('report', { cron: '61 * * * *' }, 'ui')).toThrow(/cron/);
    expect(() => first.engine.setScheduleOverride('report', { every: 'soon' }, 'ui')).toThrow(/every/);
    await first.engine.close();

    const { engine } = await makeTestEngine({ files: OK, jobs, dataDir: first.dataDir });
    expect(engine.getJob('report').overrides.schedule).toMatchObject({ kind: 'every', every_ms: 250 });
    await nextRun(engine, (r) => r.job_id === 'report' && r.trigger === 'schedule' && r.state === 'succeeded');
    const reverted = engine.setScheduleOverride('report', null, 'cli');
    expect(reverted.overrides.schedule).toBeNull();
    expect(reverted.definition!.schedule).toMatchObject({ kind: 'cron', cron: '0 6 * * *' });
    expect(reverted.next_fire_at! - Date.now()).toBeGreaterThan(1000);
    expect(engine.listAudit({ job_id: 'report' }).map((a) => [a.action, a.actor])).toEqual(
      expect.arrayContaining([
        ['job:schedule:override', 'ui'],
        ['job:schedule:revert', 'cli'],
      ]),
    );
    await engine.close();
  });

  it('disabling a job stops its schedule, persists, and enabling again reverts the override', async () => {
    const jobs = `
jobs:
  - { id: ticker, script: ok.mjs, schedule: { every: 200ms } }
`;
    const first = await makeTestEngine({ files: OK, jobs });
    await nextRun(first.engine, (r) => r.job_id === 'ticker' && r.state === 'succeeded');
    const disabled = first.engine.setEnabled('ticker', false, 'tray');
    expect(disabled).toMatchObject({
      enabled: false,
      health: 'disabled',
      next_fire_at: null,
      overrides: { enabled: false },
      file_enabled: true,
    });
    await first.engine.close();
    const { engine } = await makeTestEngine({ files: OK, jobs, dataDir: first.dataDir });
    expect(engine.getJob('ticker')).toMatchObject({ enabled: false, health: 'disabled' });
    // a manual run of a disabled job is still allowed
    expect(engine.trigger('ticker', { actor: 'ui' }).state).not.toBe('skipped');
    const enabled = engine.setEnabled('ticker', true, 'tray');
    expect(enabled.overrides.enabled).toBeNull();
    expect(enabled.next_fire_at).not.toBeNull();
    await nextRun(engine, (r) => r.job_id === 'ticker' && r.trigger === 'schedule' && r.state === 'succeeded');
    await engine.close();
  });
});
