import { describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../contract/api.js';
import type { Logger } from '../../main/engine/logger.js';
import { startApiServer } from '../../main/api/server.js';
import { TEST_TOKEN, makeTestApi, openEventStream } from '../helpers/api.js';

const JOBS = `
jobs:
  - id: hello
    command: [sh, -c, 'echo hi']
`;

function capturingLogger(): Logger & { errors: unknown[][] } {
  const errors: unknown[][] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (...args: unknown[]) => errors.push(args) };
}

describe('Local API lifecycle', () => {
  it('closes promptly with idle keep-alive connections and open streams, and leaves the engine open', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    // global fetch keeps its connection alive in a pool after the answer.
    const res = await fetch(`${t.server.url}/api/health`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(200);
    await res.json();
    const stream = await openEventStream(t.server.port);
    const started = Date.now();
    await t.server.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(t.server.isClosed).toBe(true);
    await t.server.close();
    expect(t.engine.isClosed).toBe(false);
    expect(t.engine.listJobs().map((j) => j.id)).toEqual(['hello']);
    await expect(fetch(`${t.server.url}/api/health`)).rejects.toThrow();
    await t.engine.close();
  });

  it('answers an unexpected failure with a generic 500 and logs it with the request', async () => {
    const logger = capturingLogger();
    const t = await makeTestApi({ jobs: JOBS, server: { logger } });
    // A closed engine's store throws a plain TypeError: nothing a client did, so 500.
    await t.engine.close();
    const res = await t.api<ApiErrorBody>('GET', '/api/runs/1');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: { code: 'internal', message: 'internal error; the details are in the Jobtray log' },
    });
    expect(res.text).not.toMatch(/database|TypeError|at /);
    expect(logger.errors).toHaveLength(1);
    expect(String(logger.errors[0]![0])).toBe('local API: GET /api/runs/1 failed');
    expect(logger.errors[0]![1]).toBeInstanceOf(Error);
    await t.server.close();
  });

  it('lets a fetch client that sends too large a body read the 413, then serves it again', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { maxBodyBytes: 1024 } });
    const headers = { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': 'application/json' };
    const big = await fetch(`${t.server.url}/api/settings`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ webhook_url: `https://x.example/${'a'.repeat(4 * 1024 * 1024)}` }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as ApiErrorBody).error).toEqual({
      code: 'payload_too_large',
      message: 'the request body is larger than 1024 bytes',
    });
    const small = await fetch(`${t.server.url}/api/settings`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ max_concurrent_runs: 2 }),
    });
    expect(small.status).toBe(200);
    await small.json();
    await t.close();
  });

  it('reports a port in use as unavailable', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    await expect(startApiServer({ engine: t.engine, token: TEST_TOKEN, port: t.server.port })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/already in use/),
    });
    await t.close();
  });
});
