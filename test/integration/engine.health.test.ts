import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { JobHealth } from '../../contract/model.js';
import { makeDataDir, makeTestEngine, nextRun, waitForRun } from '../helpers/engine.js';

describe('health', () => {
  it('moves a job through running, retrying, failing and back to ok, and the overall health follows', async () => {
    const dataDir = makeDataDir();
    const flag = path.join(dataDir, 'broken');
    const { engine } = await makeTestEngine({
      dataDir,
      files: {
        'toggle.mjs': `import fs from 'node:fs'; export default async () => { if (fs.existsSync(${JSON.stringify(flag)})) throw new Error('broken'); return 'fine'; };`,
      },
      jobs: `
jobs:
  - { id: toggle, script: toggle.mjs, retries: { max: 1, delay: 200ms, jitter: false } }
  - { id: quiet, script: toggle.mjs, enabled: false }
`,
    });
    const seen: JobHealth[] = [engine.getJob('toggle').health];
    const overall: JobHealth[] = [];
    engine.events.on('job:state', (v) => {
      if (v.id === 'toggle' && seen.at(-1) !== v.health) seen.push(v.health);
    });
    engine.events.on('health:change', (h) => overall.push(h.overall));
    const alerts: string[] = [];
    engine.events.on('job:alert', (a) => alerts.push(`${a.kind} ${a.job_id}`));
    expect(engine.getJob('quiet').health).toBe('disabled');
    expect(engine.health().overall).toBe('ok');

    await waitForRun(engine, engine.trigger('toggle', { actor: 'ui' }).id);
    fs.writeFileSync(flag, '');
    const first = engine.trigger('toggle', { actor: 'ui' });
    await nextRun(engine, (r) => r.root_run_id === first.id && r.attempt === 2 && r.state === 'failed');
    expect(engine.getJob('toggle').health).toBe('failing');
    expect(engine.health()).toMatchObject({ overall: 'failing', counts: { failing: 1, disabled: 1 } });
    fs.rmSync(flag);
    await waitForRun(engine, engine.trigger('toggle', { actor: 'ui' }).id);
    expect(engine.getJob('toggle').health).toBe('ok');
    expect(seen).toEqual(['ok', 'running', 'ok', 'running', 'retrying', 'running', 'failing', 'running', 'ok']);
    // one failure alert for the failed chain (not one per attempt), one recovery
    expect(alerts).toEqual(['failure toggle', 'recovery toggle']);
    expect(overall).toContain('failing');
    expect(overall.at(-1)).toBe('ok');
    await engine.close();
  });

  it('a scheduled job with no completed run within its period plus grace is overdue', async () => {
    const jobs = `
jobs:
  - { id: hourly, script: ok.mjs, schedule: { every: 1h }, catch_up: skip }
`;
    const files = { 'ok.mjs': 'export default async () => 1;' };
    const first = await makeTestEngine({ jobs, files, settings: { overdue_grace_ms: 60_000 } });
    const run = await waitForRun(first.engine, first.engine.trigger('hourly', { actor: 'ui' }).id);
    expect(first.engine.getJob('hourly').health).toBe('ok');
    await first.engine.close();
    // Three hours pass with the engine down: the last completed run is now old.
    const db = new Database(path.join(first.dataDir, 'jobtray.db'));
    const threeHoursAgo = Date.now() - 3 * 3_600_000;
    db.prepare('UPDATE runs SET finished_at = ?, started_at = ?, created_at = ? WHERE id = ?').run(
      threeHoursAgo,
      threeHoursAgo,
      threeHoursAgo,
      run.id,
    );
    db.prepare('UPDATE job_state SET last_slot_at = ?, first_seen_at = ?').run(threeHoursAgo, threeHoursAgo - 1000);
    db.close();

    const { engine } = await makeTestEngine({
      jobs,
      files,
      dataDir: first.dataDir,
      settings: { overdue_grace_ms: 60_000 },
    });
    // catch_up: skip ran nothing: besides the old run, only the record of the three slots it let go.
    const [letGo, ...older] = engine.listRuns({}).runs;
    expect(older.map((r) => r.id)).toEqual([run.id]);
    expect(letGo).toMatchObject({ state: 'skipped', reason: expect.stringMatching(/^missed 3 scheduled runs /) });
    expect(engine.getJob('hourly').health).toBe('overdue');
    expect(engine.health().overall).toBe('overdue');
    await waitForRun(engine, engine.trigger('hourly', { actor: 'ui' }).id);
    expect(engine.getJob('hourly').health).toBe('ok');
    await engine.close();
  });

  it('becomes overdue on time while its runs wait behind the concurrency limit', async () => {
    const dataDir = makeDataDir();
    const gate = path.join(dataDir, 'release');
    const { engine } = await makeTestEngine({
      dataDir,
      files: {
        'ok.mjs': 'export default async () => 1;',
        'gate.mjs': `import fs from 'node:fs'; export default () => new Promise((resolve) => { const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(gate)})) { clearInterval(t); resolve(1); } }, 10); });`,
      },
      jobs: `
jobs:
  - { id: blocker, script: gate.mjs }
  - { id: often, script: ok.mjs, schedule: { every: 300ms } }
`,
      settings: { overdue_grace_ms: 200, max_concurrent_runs: 1 },
    });
    const blocker = engine.trigger('blocker', { actor: 'ui' });
    await waitForRun(engine, blocker.id, ['running']);
    // the job's first slot (300ms) passes, its run waits as queued, then the grace passes
    const overdue = await engine.events.waitFor('job:state', (v) => v.id === 'often' && v.health === 'overdue');
    expect(overdue.active_run_ids.length).toBeGreaterThan(0);
    expect(engine.getRun(overdue.active_run_ids[0]!).state).toBe('queued');
    fs.writeFileSync(gate, '');
    await engine.events.waitFor('job:state', (v) => v.id === 'often' && v.health === 'ok');
    await engine.close();
  });

  it('alerts once per timed-out retry chain and once per distinct broken jobs file', async () => {
    const { engine, jobsFile } = await makeTestEngine({
      files: {
        'slow.mjs':
          'export default (ctx) => new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("stopped"))));',
      },
      jobs: `
jobs:
  - { id: slow, script: slow.mjs, timeout: 100ms, retries: { max: 1, delay: 10ms } }
`,
    });
    const alerts: { kind: string; title: string; body: string }[] = [];
    engine.events.on('job:alert', (a) => alerts.push(a));
    const first = engine.trigger('slow', { actor: 'ui' });
    await nextRun(engine, (r) => r.root_run_id === first.id && r.attempt === 2 && r.state === 'timed_out');
    expect(alerts.map((a) => a.kind)).toEqual(['timeout', 'failure']);
    expect(alerts[0]!.body).toMatch(/timed out after 100ms.*will be retried/);

    fs.writeFileSync(jobsFile, 'jobs: [ { id: slow, script: slow.mjs, timeout: soon } ]');
    await engine.reload('api');
    await engine.reload('api');
    const config = alerts.filter((a) => a.kind === 'config_error');
    expect(config).toHaveLength(1);
    expect(config[0]!.title).toBe('jobs.yaml has 1 error');
    expect(config[0]!.body).toMatch(/timeout/);
    await engine.close();
  });
});
