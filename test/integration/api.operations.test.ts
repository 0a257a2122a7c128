import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ApiErrorBody, OperationResults } from '../../contract/api.js';
import type { RunRecord } from '../../contract/model.js';
import { makeTestApi, type TestApi } from '../helpers/api.js';
import { eventually, waitForRun } from '../helpers/engine.js';

const API_JOBS = `
jobs:
  - id: hello
    script: jobs/hello.mjs
    params:
      name: { type: string, default: world }
  - id: fails
    command: [sh, -c, 'echo boom >&2; exit 3']
  - id: sleeper
    command: [sh, -c, 'echo started; exec sleep 30']
  - id: chatty
    command: [sh, -c, 'for i in $(seq 1 30); do echo "line $i"; done']
  - id: nightly
    schedule: { cron: "0 3 * * *" }
    command: [sh, -c, 'true']
`;

const API_FILES = {
  'jobs/hello.mjs': `export default async (ctx) => {
    ctx.log.info('hello ' + ctx.params.name);
    ctx.progress(50, 'half way');
    await ctx.artifact('résumé "final".txt', { data: 'report body for ' + ctx.params.name });
    return { greeted: ctx.params.name };
  };`,
};

/** Triggers over HTTP and waits (via the API) for the run to end. */
async function runToEnd(t: TestApi, job: string, body: unknown = {}): Promise<RunRecord> {
  const res = await t.api<OperationResults['jobs:trigger']>('POST', `/api/jobs/${job}/runs`, { body });
  expect(res.status, res.text).toBe(202);
  await waitForRun(t.engine, res.body.run_id);
  return (await t.api<RunRecord>('GET', `/api/runs/${res.body.run_id}`)).body;
}

describe('Local API operations', () => {
  it('triggers a run (202 + Location), which succeeds, with its logs and artifacts readable', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const res = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/hello/runs', {
      body: { params: { name: 'ops' } },
    });
    expect(res.status).toBe(202);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.location).toBe(`/api/runs/${res.body.run_id}`);
    expect(res.body.run).toMatchObject({
      id: res.body.run_id,
      job_id: 'hello',
      trigger: 'manual',
      requested_by: 'api',
      params: { name: 'ops' },
    });

    await waitForRun(t.engine, res.body.run_id);
    const run = await t.api<RunRecord>('GET', `/api/runs/${res.body.run_id}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ state: 'succeeded', result: { greeted: 'ops' }, progress: 50, step: 'half way' });

    const logs = await t.api<OperationResults['runs:logs']>('GET', `/api/runs/${run.body.id}/logs`);
    expect(logs.body.lines.map((l) => l.message)).toContain('hello ops');

    const list = await t.api<OperationResults['runs:artifacts']>('GET', `/api/runs/${run.body.id}/artifacts`);
    expect(list.body.artifacts).toHaveLength(1);
    const artifact = list.body.artifacts[0]!;
    expect(artifact).toMatchObject({
      name: 'résumé "final".txt',
      media_type: 'text/plain',
      size: 'report body for ops'.length,
    });

    const content = await t.api('GET', `/api/runs/${run.body.id}/artifacts/${encodeURIComponent(artifact.name)}`);
    expect(content.status).toBe(200);
    expect(content.text).toBe('report body for ops');
    expect(content.headers['content-type']).toBe('text/plain');
    expect(content.headers['content-length']).toBe(String(artifact.size));
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    expect(content.headers['content-disposition']).toBe(
      `attachment; filename="r_sum_ _final_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.txt`,
    );

    const missing = await t.api<ApiErrorBody>('GET', `/api/runs/${run.body.id}/artifacts/nope.txt`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    await t.close();
  });

  it('answers 404 for an artifact whose file is gone, and a run that does not exist', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const run = await runToEnd(t, 'hello');
    const { file } = t.engine.getArtifact(run.id, 'résumé "final".txt');
    fs.rmSync(file);
    const gone = await t.api<ApiErrorBody>(
      'GET',
      `/api/runs/${run.id}/artifacts/${encodeURIComponent('résumé "final".txt')}`,
    );
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(/missing/);
    for (const path of ['/api/runs/999999', '/api/runs/999999/logs', '/api/runs/999999/artifacts']) {
      const res = await t.api<ApiErrorBody>('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.message).toMatch(/run 999999 does not exist/);
    }
    await t.close();
  });

  it('pages logs with after/limit and filters them by level', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const run = await runToEnd(t, 'chatty');
    expect(run.state).toBe('succeeded');
    const first = await t.api<OperationResults['runs:logs']>('GET', `/api/runs/${run.id}/logs?limit=10`);
    expect(first.body.lines).toHaveLength(10);
    expect(first.body.next_after).toBe(first.body.lines[9]!.seq);
    const second = await t.api<OperationResults['runs:logs']>(
      'GET',
      `/api/runs/${run.id}/logs?limit=10&after=${first.body.next_after}`,
    );
    expect(second.body.lines[0]!.seq).toBe(first.body.next_after! + 1);
    const stdout = [...first.body.lines, ...second.body.lines]
      .filter((l) => l.stream === 'stdout')
      .map((l) => l.message);
    expect(stdout.slice(0, 3)).toEqual(['line 1', 'line 2', 'line 3']);
    const errors = await t.api<OperationResults['runs:logs']>('GET', `/api/runs/${run.id}/logs?level=error`);
    expect(errors.body.lines.every((l) => l.level === 'error')).toBe(true);
    await t.close();
  });

  it('lists runs with filters and follows the cursor across pages', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await runToEnd(t, 'hello')).id);
    const failed = await runToEnd(t, 'fails');

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: OperationResults['runs:list'] } = await t.api(
        'GET',
        `/api/runs?job=hello&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.body.runs.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.runs.map((r) => r.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const byState = await t.api<OperationResults['runs:list']>('GET', '/api/runs?state=failed');
    expect(byState.body.runs.map((r) => r.id)).toEqual([failed.id]);
    const byTrigger = await t.api<OperationResults['runs:list']>('GET', '/api/runs?trigger=manual&limit=500');
    expect(byTrigger.body.runs).toHaveLength(4);
    const none = await t.api<OperationResults['runs:list']>('GET', `/api/runs?since=${Date.now() + 60_000}`);
    expect(none.body.runs).toEqual([]);
    await t.close();
  });

  it('cancels a running run (202) and retries a failed one (202, a new attempt)', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const started = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/sleeper/runs');
    await waitForRun(t.engine, started.body.run_id, ['running']);
    const cancel = await t.api<RunRecord>('POST', `/api/runs/${started.body.run_id}/cancel`);
    expect(cancel.status).toBe(202);
    expect((await waitForRun(t.engine, started.body.run_id)).state).toBe('cancelled');
    const again = await t.api<ApiErrorBody>('POST', `/api/runs/${started.body.run_id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');

    const failed = await runToEnd(t, 'fails');
    expect(failed).toMatchObject({ state: 'failed', exit_code: 3 });
    const retry = await t.api<RunRecord>('POST', `/api/runs/${failed.id}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({
      job_id: 'fails',
      trigger: 'retry',
      parent_run_id: failed.id,
      attempt: 2,
      requested_by: 'api',
    });
    expect((await waitForRun(t.engine, retry.body.id)).state).toBe('failed');
    await t.close();
  });

  it('returns one run for a repeated Idempotency-Key, and 409 for the same key on another job', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const headers = { 'Idempotency-Key': 'deploy-2024-06-01' };
    const first = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/hello/runs', { headers });
    const second = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/hello/runs', { headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.run_id).toBe(first.body.run_id);
    const other = await t.api<ApiErrorBody>('POST', '/api/jobs/fails/runs', { headers });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toMatch(/deploy-2024-06-01/);
    await waitForRun(t.engine, first.body.run_id);
    const runs = await t.api<OperationResults['runs:list']>('GET', '/api/runs');
    expect(runs.body.runs.map((r) => r.id)).toEqual([first.body.run_id]);
    await t.close();
  });

  it('lists and gets jobs, enables and disables them, overrides and resets a schedule', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const jobs = await t.api<OperationResults['jobs:list']>('GET', '/api/jobs');
    expect(jobs.body.jobs.map((j) => j.id)).toEqual(['chatty', 'fails', 'hello', 'nightly', 'sleeper']);
    const job = await t.api<OperationResults['jobs:get']>('GET', '/api/jobs/nightly');
    expect(job.body).toMatchObject({
      id: 'nightly',
      enabled: true,
      file_schedule: { kind: 'cron', cron: '0 3 * * *' },
    });
    expect((await t.api('GET', '/api/jobs/no-such-job')).status).toBe(404);

    const disabled = await t.api<OperationResults['jobs:disable']>('POST', '/api/jobs/nightly/disable');
    expect(disabled.body).toMatchObject({ enabled: false, health: 'disabled', overrides: { enabled: false } });
    expect(t.engine.getJob('nightly').enabled).toBe(false);
    const enabled = await t.api<OperationResults['jobs:enable']>('POST', '/api/jobs/nightly/enable');
    expect(enabled.body).toMatchObject({ enabled: true, overrides: { enabled: null } });

    const wrapped = await t.api<OperationResults['jobs:set-schedule']>('PUT', '/api/jobs/nightly/schedule', {
      body: { schedule: { every: '5m' } },
    });
    expect(wrapped.status, wrapped.text).toBe(200);
    expect(wrapped.body.overrides.schedule).toMatchObject({ kind: 'every', every: '5m', every_ms: 300_000 });
    const bare = await t.api<OperationResults['jobs:set-schedule']>('PUT', '/api/jobs/nightly/schedule', {
      body: { cron: '*/15 * * * *', timezone: 'Europe/Berlin' },
    });
    expect(bare.body.overrides.schedule).toEqual({ kind: 'cron', cron: '*/15 * * * *', timezone: 'Europe/Berlin' });
    expect(t.engine.getJob('nightly').overrides.schedule).toMatchObject({ cron: '*/15 * * * *' });
    const badCron = await t.api<ApiErrorBody>('PUT', '/api/jobs/nightly/schedule', { body: { cron: '61 * * * *' } });
    expect(badCron.status).toBe(400);
    const reset = await t.api<OperationResults['jobs:reset-schedule']>('DELETE', '/api/jobs/nightly/schedule');
    expect(reset.body.overrides.schedule).toBeNull();
    await t.close();
  });

  it('pauses and resumes, reloads the jobs file, reads config and health', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    expect((await t.api<OperationResults['engine:pause']>('POST', '/api/pause')).body).toEqual({ paused: true });
    expect(t.engine.isPaused()).toBe(true);
    expect((await t.api<OperationResults['health:get']>('GET', '/api/health')).body.paused).toBe(true);
    expect((await t.api<OperationResults['engine:resume']>('POST', '/api/resume')).body).toEqual({ paused: false });
    expect(t.engine.isPaused()).toBe(false);

    const health = await t.api<OperationResults['health:get']>('GET', '/api/health');
    expect(health.body).toMatchObject({ overall: 'ok', paused: false, config_error_count: 0 });
    expect(Object.keys(health.body.jobs)).toContain('hello');

    fs.writeFileSync(t.jobsFile, `${API_JOBS}  - id: added-later\n    command: [sh, -c, 'true']\n`);
    const reload = await t.api<OperationResults['config:reload']>('POST', '/api/reload');
    expect(reload.status).toBe(200);
    expect(reload.body).toMatchObject({ file: t.jobsFile, errors: [] });
    expect((await t.api('GET', '/api/jobs/added-later')).status).toBe(200);

    fs.writeFileSync(t.jobsFile, `${API_JOBS}  - id: broken\n    command: []\n`);
    const broken = await t.api<OperationResults['config:reload']>('POST', '/api/reload');
    expect(broken.body.errors.length).toBeGreaterThan(0);
    const config = await t.api<OperationResults['config:get']>('GET', '/api/config');
    expect(config.body.errors).toEqual(broken.body.errors);
    await t.close();
  });

  it('reads and patches settings (wrapped or bare), rejecting bad values', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const before = await t.api<OperationResults['settings:get']>('GET', '/api/settings');
    expect(before.body.max_concurrent_runs).toBe(4);
    const wrapped = await t.api<OperationResults['settings:update']>('PATCH', '/api/settings', {
      body: { settings: { max_concurrent_runs: 3 } },
    });
    expect(wrapped.body.max_concurrent_runs).toBe(3);
    const bare = await t.api<OperationResults['settings:update']>('PATCH', '/api/settings', {
      body: { webhook_url: 'https://chat.example/hook', log_cap_per_run: 1000 },
    });
    expect(bare.body).toMatchObject({
      max_concurrent_runs: 3,
      webhook_url: 'https://chat.example/hook',
      log_cap_per_run: 1000,
    });
    expect(t.engine.getSettings().max_concurrent_runs).toBe(3);
    const bad = await t.api<ApiErrorBody>('PATCH', '/api/settings', { body: { max_concurrent_runs: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/max_concurrent_runs/);
    await t.close();
  });

  it('lists the audit trail of API actions, filtered by job', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    await runToEnd(t, 'hello');
    await t.api('POST', '/api/jobs/nightly/disable');
    const all = await t.api<OperationResults['audit:list']>('GET', '/api/audit');
    expect(all.body.entries.map((e) => [e.action, e.job_id, e.actor])).toEqual(
      expect.arrayContaining([
        ['run:trigger', 'hello', 'api'],
        ['job:disable', 'nightly', 'api'],
      ]),
    );
    const hello = await t.api<OperationResults['audit:list']>('GET', '/api/audit?job=hello&limit=10');
    expect(hello.body.entries.every((e) => e.job_id === 'hello')).toBe(true);
    expect(hello.body.entries.length).toBeGreaterThan(0);
    await t.close();
  });

  it('answers 503 when the engine is shutting down, and keeps answering health', async () => {
    const t = await makeTestApi({ jobs: API_JOBS, files: API_FILES });
    const closing = t.engine.close();
    const res = await t.api<ApiErrorBody>('POST', '/api/jobs/hello/runs');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('unavailable');
    await closing;
    await eventually(async () => (await t.api('GET', '/api/health')).status === 200, 'health after engine close');
    await t.close();
  });
});
