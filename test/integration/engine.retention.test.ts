import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/model.js';
import { makeTestEngine, waitForRun } from '../helpers/engine.js';

describe('retention', () => {
  it('deletes old runs with their logs and artifact files, keeps the newest finished run and active runs', async () => {
    const jobs = `
jobs:
  - { id: export, script: export.mjs }
`;
    const files = {
      'export.mjs': `export default async (ctx) => { ctx.log.info('exporting'); await ctx.artifact('out.txt', { data: 'run ' + ctx.runId }); return ctx.runId; };`,
    };
    const { engine, dataDir } = await makeTestEngine({
      jobs,
      files,
      settings: { retention_max_age_days: 30, retention_max_runs_per_job: 2 },
    });
    const runs: RunRecord[] = [];
    for (let i = 0; i < 4; i++) runs.push(await waitForRun(engine, engine.trigger('export', { actor: 'ui' }).id));
    const artifactFile = (id: number) => path.join(dataDir, 'artifacts', String(id), 'out.txt');
    expect(runs.every((r) => fs.existsSync(artifactFile(r.id)))).toBe(true);

    // count: only the newest 2 per job stay
    expect(engine.applyRetention().deleted_runs).toBe(2);
    expect(engine.listRuns({ job_id: 'export' }).runs.map((r) => r.id)).toEqual([runs[3]!.id, runs[2]!.id]);
    await expect.poll(() => fs.existsSync(artifactFile(runs[0]!.id))).toBe(false);
    expect(fs.existsSync(artifactFile(runs[3]!.id))).toBe(true);
    expect(() => engine.getRunLogs(runs[0]!.id)).toThrow(/does not exist/);
    await engine.close();

    // age: both remaining runs are 40 days old; the newest finished one is kept for health
    const db = new Database(path.join(dataDir, 'jobtray.db'));
    const old = Date.now() - 40 * 86_400_000;
    db.prepare('UPDATE runs SET created_at = ?, finished_at = ?').run(old, old);
    db.close();
    const { engine: again } = await makeTestEngine({
      jobs,
      files,
      dataDir,
      settings: { retention_max_age_days: 30, retention_max_runs_per_job: 0 },
    });
    expect(again.listRuns({}).runs.map((r) => r.id)).toEqual([runs[3]!.id]);
    await again.close();
  });
});
