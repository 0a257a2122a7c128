import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDataDir, makeTestEngine, nextRun, waitForRun } from '../helpers/engine.js';

const GATE = `import fs from 'node:fs';
export default (ctx) => new Promise((resolve) => {
  const t = setInterval(() => { if (fs.existsSync(ctx.params.gate)) { clearInterval(t); resolve('released'); } }, 10);
});`;

describe('jobs file', () => {
  it('applies a valid change without restart; running runs keep the definition they started with', async () => {
    const dataDir = makeDataDir();
    const gate = path.join(dataDir, 'release');
    const v1 = `
jobs:
  - id: alpha
    name: Alpha v1
    script: gate.mjs
    params: { gate: { type: string, default: "${gate}" } }
  - id: beta
    script: ok.mjs
`;
    const { engine, jobsFile } = await makeTestEngine({
      dataDir,
      jobs: v1,
      watch: true,
      files: {
        'gate.mjs': GATE,
        'ok.mjs': 'export default async () => "v1";',
        'ok2.mjs': 'export default async () => "v2";',
      },
    });
    const running = engine.trigger('alpha', { actor: 'ui' });
    await waitForRun(engine, running.id, ['running']);
    const applied = engine.events.waitFor('config:applied', (s) => s.errors.length === 0);
    const removed = engine.events.waitFor('job:removed');
    fs.writeFileSync(
      jobsFile,
      `
jobs:
  - id: alpha
    name: Alpha v2
    script: gate.mjs
    params: { gate: { type: string, default: "${gate}" } }
  - id: gamma
    script: ok2.mjs
    schedule: { every: 1h }
`,
    );
    await applied;
    expect((await removed).job_id).toBe('beta');
    expect(engine.listJobs().map((j) => j.id)).toEqual(['alpha', 'gamma']);
    expect(engine.getJob('alpha').definition!.name).toBe('Alpha v2');
    expect(engine.getJob('gamma').next_fire_at).not.toBeNull();
    // the run that was running when the file changed is untouched
    expect(engine.getRun(running.id).state).toBe('running');
    fs.writeFileSync(gate, '');
    expect((await waitForRun(engine, running.id)).state).toBe('succeeded');
    expect((await waitForRun(engine, engine.trigger('gamma', { actor: 'ui' }).id)).result).toBe('v2');
    await engine.close();
  });

  it('an invalid change keeps the last good set running and reports file, job, field and why', async () => {
    const good = `
jobs:
  - { id: ticker, script: ok.mjs, schedule: { every: 200ms } }
  - { id: other, script: ok.mjs }
`;
    const { engine, jobsFile } = await makeTestEngine({
      jobs: good,
      watch: true,
      files: { 'ok.mjs': 'export default async () => 1;' },
    });
    // a broken entry: its last good definition keeps running and the job shows invalid
    let error = engine.events.waitFor('config:error');
    fs.writeFileSync(jobsFile, good.replace('every: 200ms', 'every: soon'));
    let status = await error;
    expect(status.errors).toHaveLength(1);
    expect(status.errors[0]).toMatchObject({ file: jobsFile, job_id: 'ticker', field: 'schedule.every' });
    expect(status.errors[0]!.message).toMatch(/jobs\.yaml.*ticker.*schedule\.every.*soon/);
    expect(engine.getJob('ticker')).toMatchObject({
      health: 'invalid',
      definition: { schedule: { kind: 'every', every_ms: 200 } },
    });
    expect(engine.health().overall).toBe('invalid');
    await nextRun(engine, (r) => r.job_id === 'ticker' && r.state === 'succeeded');

    // a file that is not YAML at all changes nothing
    error = engine.events.waitFor('config:error');
    fs.writeFileSync(jobsFile, 'jobs: [ { id: ticker, ');
    status = await error;
    expect(status.errors[0]!.message).toMatch(/jobs\.yaml/);
    expect(status.errors[0]!.line).not.toBeNull();
    expect(engine.listJobs().map((j) => j.id)).toEqual(['other', 'ticker']);
    await nextRun(engine, (r) => r.job_id === 'ticker' && r.state === 'succeeded');

    // a new job that is invalid shows as invalid and cannot run; fixing the file clears everything
    error = engine.events.waitFor('config:error');
    fs.writeFileSync(jobsFile, `${good}  - { id: newbie, script: missing.mjs }\n`);
    status = await error;
    expect(status.errors.map((e) => e.job_id)).toEqual(['newbie']);
    expect(engine.getJob('newbie')).toMatchObject({ health: 'invalid', definition: null });
    expect(() => engine.trigger('newbie', { actor: 'ui' })).toThrow(/invalid/);
    const fixed = engine.events.waitFor('config:applied', (s) => s.errors.length === 0);
    fs.writeFileSync(jobsFile, good);
    await fixed;
    expect(engine.listJobs().map((j) => [j.id, j.health === 'invalid'])).toEqual([
      ['other', false],
      ['ticker', false],
    ]);
    expect(engine.configStatus().errors).toEqual([]);
    await engine.close();
  });

  it('creates the default jobs file with demo jobs on first start, and they run', async () => {
    const dataDir = makeDataDir();
    const { createEngine } = await import('../../main/engine/engine.js');
    const { silentLogger } = await import('../../main/engine/logger.js');
    const engine = await createEngine({
      dataDir,
      watch: false,
      logger: silentLogger,
      settings: { kill_grace_ms: 500 },
    });
    try {
      expect(fs.existsSync(path.join(dataDir, 'jobs.yaml'))).toBe(true);
      expect(engine.configStatus().errors).toEqual([]);
      const ids = engine.listJobs().map((j) => j.id);
      expect(ids.length).toBeGreaterThanOrEqual(5);
      for (const job of engine.listJobs()) expect(job.health, job.id).not.toBe('invalid');
    } finally {
      await engine.close();
    }
  });
});
