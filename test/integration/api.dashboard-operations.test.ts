import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ApiErrorBody, OperationResults } from '../../contract/api.js';
import type { InvalidParamsDetails } from '../../contract/params.js';
import { startWebhooks } from '../../main/notify/webhooks.js';
import { silentLogger } from '../../main/engine/logger.js';
import { makeTestApi, type TestApi } from '../helpers/api.js';
import { waitForRun } from '../helpers/engine.js';
import { track } from '../helpers/open-handles.js';

/** The operations the dashboard added: schedule preview, sparklines, retry chains, test webhook, param errors by field. */

const JOBS = `
jobs:
  - id: ok
    command: [sh, -c, 'true']
  - id: fails
    command: [sh, -c, 'exit 3']
  - id: flaky
    command: [sh, -c, 'exit 1']
    retries: { max: 2, backoff: fixed, delay: 1ms, jitter: false }
  - id: form
    command: [sh, -c, 'true']
    params:
      count: { type: integer, min: 1, max: 50, default: 5 }
      mode: { type: enum, values: [quick, full], required: true }
`;

async function trigger(t: TestApi, job: string): Promise<number> {
  const res = await t.api<OperationResults['jobs:trigger']>('POST', `/api/jobs/${job}/runs`, { body: {} });
  expect(res.status, res.text).toBe(202);
  return (await waitForRun(t.engine, res.body.run_id)).id;
}

/** A real HTTP receiver on 127.0.0.1 answering every request with `status`. */
async function receiver(status: number): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let open = true;
  const close = async () => {
    if (!open) return;
    open = false;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  track({ name: 'webhook receiver', isOpen: () => open, close });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`, bodies, close };
}

describe('dashboard operations over the Local API', () => {
  it('previews the next fire times of a schedule, or the error saving it would give', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const before = Date.now();
    const every = await t.api<OperationResults['jobs:preview-schedule']>('POST', '/api/jobs/ok/schedule/preview', {
      body: { schedule: { every: '10m' } },
    });
    expect(every.status, every.text).toBe(200);
    if (!every.body.valid) throw new Error(every.body.error);
    expect(every.body.schedule).toMatchObject({ kind: 'every', every_ms: 600_000 });
    const { next } = every.body;
    expect(next).toHaveLength(5);
    // Anchored at the moment of asking, as a saved override would be.
    expect(next[0]! - before).toBeGreaterThanOrEqual(600_000);
    expect(next[0]! - Date.now()).toBeLessThanOrEqual(600_000);
    expect(next.slice(1).map((at, i) => at - next[i]!)).toEqual([600_000, 600_000, 600_000, 600_000]);

    const cron = await t.api<OperationResults['jobs:preview-schedule']>('POST', '/api/jobs/ok/schedule/preview', {
      body: { schedule: { cron: '0 3 * * *', timezone: 'UTC' }, count: 3 },
    });
    if (!cron.body.valid) throw new Error(cron.body.error);
    expect(cron.body.next).toHaveLength(3);
    for (const at of cron.body.next) expect(new Date(at).toISOString()).toMatch(/T03:00:00\.000Z$/);

    const past = await t.api<OperationResults['jobs:preview-schedule']>('POST', '/api/jobs/ok/schedule/preview', {
      body: { schedule: { at: '2001-01-01T00:00:00Z' } },
    });
    expect(past.body).toMatchObject({ valid: true, next: [] });

    const bad = await t.api<OperationResults['jobs:preview-schedule']>('POST', '/api/jobs/ok/schedule/preview', {
      body: { schedule: { cron: '61 * * * *' } },
    });
    expect(bad.status).toBe(200);
    expect(bad.body.valid).toBe(false);
    const saved = await t.api<ApiErrorBody>('PUT', '/api/jobs/ok/schedule', {
      body: { schedule: { cron: '61 * * * *' } },
    });
    expect(bad.body).toEqual({ valid: false, error: saved.body.error.message });

    expect(
      (await t.api('POST', '/api/jobs/nope/schedule/preview', { body: { schedule: { every: '1m' } } })).status,
    ).toBe(404);
    await t.close();
  });

  it('gives every job its newest outcomes, oldest first, in one call', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const okRuns = [await trigger(t, 'ok'), await trigger(t, 'ok'), await trigger(t, 'ok')];
    const failed = await trigger(t, 'fails');
    const all = await t.api<OperationResults['jobs:sparklines']>('GET', '/api/sparklines');
    expect(all.status, all.text).toBe(200);
    expect(all.body.jobs.ok!.map((p) => p.id)).toEqual(okRuns);
    expect(
      all.body.jobs.ok!.every((p) => p.state === 'succeeded' && p.duration_ms !== null && p.finished_at !== null),
    ).toBe(true);
    expect(all.body.jobs.fails).toEqual([expect.objectContaining({ id: failed, state: 'failed' })]);
    expect(all.body.jobs.form).toBeUndefined();
    const two = await t.api<OperationResults['jobs:sparklines']>('GET', '/api/sparklines?limit=2');
    expect(two.body.jobs.ok!.map((p) => p.id)).toEqual(okRuns.slice(1));
    expect((await t.api('GET', '/api/sparklines?limit=0')).status).toBe(400);
    await t.close();
  });

  it("lists a run's retry chain from any of its attempts", async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const first = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/flaky/runs', { body: {} });
    const last = await t.engine.events.waitFor(
      'run:state',
      (r) => r.job_id === 'flaky' && r.attempt === 3 && r.state === 'failed',
    );
    // A later chain of the same job stays out of this one.
    const secondEnded = t.engine.events.waitFor(
      'run:state',
      (r) => r.job_id === 'flaky' && r.root_run_id !== first.body.run_id && r.attempt === 3 && r.state === 'failed',
    );
    await t.api('POST', '/api/jobs/flaky/runs', { body: {} });
    await secondEnded;
    for (const id of [first.body.run_id, last.id]) {
      const chain = await t.api<OperationResults['runs:chain']>('GET', `/api/runs/${id}/chain`);
      expect(chain.status, chain.text).toBe(200);
      expect(chain.body.runs.map((r) => [r.attempt, r.state, r.root_run_id])).toEqual([
        [1, 'failed', first.body.run_id],
        [2, 'failed', first.body.run_id],
        [3, 'failed', first.body.run_id],
      ]);
    }
    expect((await t.api('GET', '/api/runs/999999/chain')).status).toBe(404);
    await t.close();
  });

  it('sends a test webhook and says how it went, without retrying', async () => {
    const good = await receiver(204);
    const broken = await receiver(500);
    const t = await makeTestApi({ jobs: JOBS });
    await t.api('PATCH', '/api/settings', { body: { webhook_url: good.url } });
    const none = await t.api<OperationResults['settings:test-webhook']>('POST', '/api/settings/test-webhook', {
      body: {},
    });
    expect(none.body).toMatchObject({ delivered: true, status: 204 });
    expect(good.bodies).toEqual([
      expect.objectContaining({ event: 'test', text: expect.stringMatching(/test notification/) }),
    ]);
    const failing = await t.api<OperationResults['settings:test-webhook']>('POST', '/api/settings/test-webhook', {
      body: { url: broken.url },
    });
    expect(failing.status).toBe(200);
    expect(failing.body).toMatchObject({ delivered: false, status: 500, message: expect.stringMatching(/HTTP 500/) });
    expect(broken.bodies).toHaveLength(1);
    await t.api('PATCH', '/api/settings', { body: { webhook_url: null } });
    const missing = await t.api<ApiErrorBody>('POST', '/api/settings/test-webhook', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/no webhook URL/);
    await t.close();
    await good.close();
    await broken.close();
  });

  it('sends no alert webhooks while notifications are muted', async () => {
    const rx = await receiver(204);
    const t = await makeTestApi({ jobs: JOBS });
    const muted = await t.api<OperationResults['settings:update']>('PATCH', '/api/settings', {
      body: { webhook_url: rx.url, notifications_muted: true },
    });
    expect(muted.body.notifications_muted).toBe(true);
    const hooks = startWebhooks({ engine: t.engine, logger: silentLogger });
    const alert = t.engine.events.waitFor('job:alert', (a) => a.kind === 'failure');
    await trigger(t, 'fails');
    await alert;
    await hooks.idle();
    expect(rx.bodies).toEqual([]);
    await hooks.close();
    await t.close();
    await rx.close();
  });

  it('answers bad params with each problem by field, for the run form', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const res = await t.api<ApiErrorBody>('POST', '/api/jobs/form/runs', { body: { params: { count: 99 } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_params');
    const details = res.body.error.details as InvalidParamsDetails;
    expect(details.fields).toEqual({ count: 'must be at most 50, got 99', mode: 'is required (enum)' });
    expect(details.problems).toHaveLength(2);
    await t.close();
  });
});
