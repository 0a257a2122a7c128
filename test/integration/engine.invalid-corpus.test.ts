import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadJobsFile } from '../../main/engine/jobs-file/index.js';
import { makeDataDir, makeTestEngine, nextRun, waitForRun } from '../helpers/engine.js';

const corpus = fileURLToPath(new URL('../fixtures/jobs/invalid', import.meta.url));
const fixtures = fs
  .readdirSync(corpus)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

// The last good set: three jobs, one of them (`sync-orders`) broken by some fixtures.
const GOOD = `
jobs:
  - id: ok-job
    command: [node, --version]
  - id: sync-orders
    command: [node, --version]
    schedule: { every: 1h }
  - id: ticker
    script: ticker.mjs
    schedule: { every: 150ms }
`;

describe('an engine fed the invalid jobs corpus', () => {
  it(
    `rejects each of the ${fixtures.length} invalid files with a precise message while the valid jobs keep running`,
    { timeout: 120_000 },
    async () => {
      expect(fixtures.length).toBeGreaterThanOrEqual(25);
      // Fixtures resolve relative paths against their folder: the engine runs in a copy of it.
      const dataDir = makeDataDir();
      fs.cpSync(corpus, dataDir, { recursive: true });
      const { engine, jobsFile } = await makeTestEngine({
        dataDir,
        jobs: GOOD,
        files: { 'ticker.mjs': 'export default async () => "tick";' },
      });
      const goodSync = engine.getJob('sync-orders').definition;

      for (const fixture of fixtures) {
        const text = fs.readFileSync(path.join(corpus, fixture), 'utf8');
        fs.writeFileSync(jobsFile, text);
        const expected = await loadJobsFile(jobsFile);
        const status = await engine.reload('api');

        // the engine reports exactly what the loader found: every error, each naming file, job and field
        expect(status.errors.length, fixture).toBeGreaterThan(0);
        expect(status.errors, fixture).toEqual(expected.errors);
        for (const error of status.errors) {
          expect(error.file, fixture).toBe(jobsFile);
          expect(error.message.startsWith('jobs.yaml'), `${fixture}: ${error.message}`).toBe(true);
          if (error.job_id) expect(error.message, fixture).toContain(`"${error.job_id}"`);
          if (error.field) expect(error.message, fixture).toContain(error.field);
        }
        expect(engine.configStatus().errors).toEqual(status.errors);

        // a job whose entry broke keeps its last good definition and shows invalid
        if (status.errors.some((e) => e.job_id === 'sync-orders')) {
          expect(engine.getJob('sync-orders'), fixture).toMatchObject({ health: 'invalid', definition: goodSync });
        }
        // the valid jobs keep running: the file's own valid job, or the whole last good set when nothing applied
        const stillThere = expected.fatal ? ['ok-job', 'sync-orders', 'ticker'] : expected.jobs.map((j) => j.id);
        for (const id of stillThere) expect(engine.getJob(id).definition, `${fixture}: ${id}`).not.toBeNull();
        if (stillThere.includes('ok-job')) {
          const run = await waitForRun(engine, engine.trigger('ok-job', { actor: 'api' }).id);
          expect(run.state, fixture).toBe('succeeded');
        }
        if (expected.fatal) await nextRun(engine, (r) => r.job_id === 'ticker' && r.state === 'succeeded');

        // back to the good file: everything is valid again
        fs.writeFileSync(jobsFile, GOOD);
        const restored = await engine.reload('api');
        expect(restored.errors, `restoring after ${fixture}`).toEqual([]);
        expect(engine.listJobs().map((j) => [j.id, j.health === 'invalid'])).toEqual([
          ['ok-job', false],
          ['sync-orders', false],
          ['ticker', false],
        ]);
      }
      await engine.close();
    },
  );
});
