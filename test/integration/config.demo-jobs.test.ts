import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobDefinition, ParamValues } from '../../contract/model.js';
import type { WorkerRunSpec } from '../../contract/worker-protocol.js';
import { loadJobsFile } from '../../main/engine/jobs-file/index.js';
import { paramEnv, renderArgv, resolveParams } from '../../main/engine/params.js';
import { logLines, runWorker } from '../helpers/run-worker.js';

// The demo jobs a new user sees first must really work: each one runs here in the
// real worker, from its loaded definition, with params resolved as a manual run would.

const templateFile = fileURLToPath(new URL('../../resources/jobs.yaml', import.meta.url));
let jobs: Map<string, JobDefinition>;

beforeAll(async () => {
  const loaded = await loadJobsFile(templateFile);
  expect(loaded.errors).toEqual([]);
  jobs = new Map(loaded.jobs.map((job) => [job.id, job]));
});

function specFor(id: string, input: Record<string, unknown> = {}, attempt = 1): WorkerRunSpec {
  const job = jobs.get(id)!;
  const params: ParamValues = resolveParams(job, input);
  return {
    run_id: 1,
    job_id: job.id,
    attempt,
    params,
    kind: job.kind,
    argv: job.command ? renderArgv(job.command, params) : null,
    script: job.script,
    cwd: job.cwd,
    env: { PATH: process.env.PATH ?? '', ...job.env, ...paramEnv(params) },
  };
}

describe('demo jobs', () => {
  it('demo-progress reports progress steps and stops at once when cancelled', async () => {
    const run = await runWorker(specFor('demo-progress'), { cancelWhen: (m) => m.type === 'progress' });
    const steps = run.messages.flatMap((m) => (m.type === 'progress' ? [m.step] : []));
    expect(steps[0]).toBe('Connecting');
    expect(run.result).toMatchObject({ ok: false, code: 'aborted' });
  });

  it('demo-flaky fails on attempts 1 and 2 and succeeds on attempt 3', async () => {
    const first = await runWorker(specFor('demo-flaky', {}, 1));
    expect(first.result).toMatchObject({ ok: false, code: 'exception', message: expect.stringContaining('attempt 1') });
    const third = await runWorker(specFor('demo-flaky', {}, 3));
    expect(third.result).toEqual({ ok: true, result: { attempt: 3, orders: 42 } });
  });

  it('demo-command runs node with the rows param, reports progress and attaches the report', async () => {
    const run = await runWorker(specFor('demo-command', { rows: '12' }));
    expect(run.result).toMatchObject({ ok: true });
    const artifact = run.messages.find((m) => m.type === 'artifact');
    expect(artifact).toMatchObject({ type: 'artifact', name: 'report.csv' });
    const file = artifact?.type === 'artifact' ? artifact.path : null;
    expect(fs.readFileSync(file!, 'utf8').trim().split('\n')).toHaveLength(13);
    expect(run.messages.some((m) => m.type === 'progress' && m.percent === 100)).toBe(true);
    expect(logLines(run.messages).map((l) => l.message)).toContain(`Wrote 12 rows to ${file}`);
  });

  it('demo-failing fails with a message that says what to do', async () => {
    const run = await runWorker(specFor('demo-failing'));
    expect(run.result).toMatchObject({
      ok: false,
      code: 'exception',
      message: expect.stringContaining('mount the share'),
    });
  });

  it('demo-params echoes its typed params', async () => {
    const run = await runWorker(specFor('demo-params', { count: '2', label: 'hi', dry_run: 'no', mode: 'full' }));
    expect(run.result).toEqual({
      ok: true,
      result: { count: 2, label: 'hi', dry_run: false, mode: 'full', types: { count: 'number', dry_run: 'boolean' } },
    });
  });

  it('demo-cleanup only reports', async () => {
    const run = await runWorker(specFor('demo-cleanup'));
    expect(run.result).toMatchObject({ ok: true, result: { deleted: 0 } });
    expect(path.isAbsolute((run.result as { result: { folder: string } }).result.folder)).toBe(true);
  });
});
