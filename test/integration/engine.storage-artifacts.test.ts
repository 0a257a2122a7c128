import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestEngine, waitForRun, within } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: report
    script: report.mjs
`;
const FILES = {
  'report.mjs': `export default async (ctx) => { await ctx.artifact('out.csv', { data: 'a,b\\n1,2\\n' }); return 'done'; };`,
};

describe('artifacts on a full disk', () => {
  it(
    'an artifact file that cannot be written puts the engine in the same storage problem, which ends on its own',
    { timeout: 60_000 },
    async () => {
      const { engine, dataDir } = await makeTestEngine({ jobs: JOBS, files: FILES });
      // The artifact's temp file (artifacts.ts) is Linux's /dev/full: every write to it fails with ENOSPC, as on a full volume.
      const target = path.join(dataDir, 'artifacts', '1', 'out.csv');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.symlinkSync('/dev/full', `${target}.tmp-${process.pid}`);

      const problem = engine.events.waitFor('health:change', (h) => h.storage !== null);
      const run = engine.trigger('report', { actor: 'cli' });
      expect(run.id).toBe(1);
      const during = await within(problem, 15_000, 'the storage problem');
      expect(during.storage).toMatchObject({ code: 'ENOSPC', path: target });
      expect(during.overall).toBe('failing');
      expect(() => engine.trigger('report', { actor: 'cli' })).toThrow(
        expect.objectContaining({ code: 'storage_full', message: expect.stringContaining(target) as string }) as Error,
      );

      // Writing to the database works: the next probe ends the problem, and the run's final state follows.
      const recovered = engine.events.waitFor('health:change', (h) => h.storage === null);
      await within(recovered, 15_000, 'the storage problem to end');
      const done = await within(waitForRun(engine, run.id), 15_000, 'the run to end');
      expect(done.state).toBe('succeeded');
      expect(engine.listArtifacts(run.id)).toEqual([]);
      // The temp file is gone (the link removed, /dev/full untouched).
      expect(fs.readdirSync(path.dirname(target))).toEqual([]);
      const messages = engine.getRunLogs(run.id).lines.map((l) => l.message);
      expect(messages).toContain(
        `artifact out.csv could not be stored: disk full: cannot write to ${target} (ENOSPC: no space left on device, write)`,
      );

      // Afterwards artifacts are stored again.
      const again = engine.trigger('report', { actor: 'cli' });
      expect((await within(waitForRun(engine, again.id), 15_000, 'the second run')).state).toBe('succeeded');
      expect(engine.listArtifacts(again.id).map((a) => a.name)).toEqual(['out.csv']);
      await engine.close();
    },
  );
});
