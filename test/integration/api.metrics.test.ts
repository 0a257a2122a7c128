import { describe, expect, it } from 'vitest';
import type { OperationResults } from '../../contract/api.js';
import { TEST_TOKEN, makeTestApi, request, startTrackedServer } from '../helpers/api.js';
import { waitForRun } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: good
    command: [sh, -c, 'echo ok']
  - id: bad
    command: [sh, -c, 'exit 1']
  - id: slow
    command: [sh, -c, 'exec sleep 30']
`;

/** The value of one sample line, e.g. `jobtray_runs_total{job="good",outcome="succeeded"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Local API /metrics', () => {
  it('counts finished runs by outcome and shows live gauges and health, in Prometheus text', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    for (const job of ['good', 'bad']) {
      const { body } = await t.api<OperationResults['jobs:trigger']>('POST', `/api/jobs/${job}/runs`);
      await waitForRun(t.engine, body.run_id);
    }
    const slow = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/slow/runs');
    await waitForRun(t.engine, slow.body.run_id, ['running']);

    const res = await t.api('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const text = res.text;
    expect(sample(text, 'jobtray_runs_total{job="good",outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'jobtray_runs_total{job="bad",outcome="failed"}')).toBe(1);
    expect(sample(text, 'jobtray_run_duration_seconds_count{job="good"}')).toBe(1);
    expect(sample(text, 'jobtray_run_duration_seconds_bucket{le="3600",job="good"}')).toBe(1);
    expect(sample(text, 'jobtray_runs_running')).toBe(1);
    expect(sample(text, 'jobtray_runs_queued')).toBe(0);
    expect(sample(text, 'jobtray_job_health{job="bad",health="failing"}')).toBe(1);
    expect(sample(text, 'jobtray_job_health{job="bad",health="ok"}')).toBe(0);
    expect(sample(text, 'jobtray_job_health{job="good",health="ok"}')).toBe(1);
    expect(sample(text, 'jobtray_health_overall{health="failing"}')).toBe(1);
    expect(sample(text, 'jobtray_config_errors')).toBe(0);
    expect(sample(text, 'jobtray_storage_problem')).toBe(0);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);

    await t.api('POST', `/api/runs/${slow.body.run_id}/cancel`);
    await waitForRun(t.engine, slow.body.run_id);
    const after = (await t.api('GET', '/metrics')).text;
    expect(sample(after, 'jobtray_runs_running')).toBe(0);
    expect(sample(after, 'jobtray_runs_total{job="slow",outcome="cancelled"}')).toBe(1);

    expect((await request(t.server.port, 'GET', '/metrics', { token: null })).status).toBe(401);
    expect((await t.api('GET', '/metrics?x=1')).status).toBe(400);
    await t.close();
  });

  it('keeps each server in its own registry and counts runs already queued or running at start', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const { body } = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/slow/runs');
    await waitForRun(t.engine, body.run_id, ['running']);
    const second = await startTrackedServer({ engine: t.engine, token: TEST_TOKEN, port: 0 });
    const text = (await request(second.port, 'GET', '/metrics')).text;
    expect(sample(text, 'jobtray_runs_running')).toBe(1);
    expect(text).not.toContain('jobtray_runs_total{');
    await second.close();
    await t.close();
  });
});
