import { describe, expect, it } from 'vitest';
import { OPERATIONS, type ApiErrorBody, type OperationResults } from '../../contract/api.js';
import { makeTestApi, request, type ApiResponse, type TestApi } from '../helpers/api.js';
import { waitForRun } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: hello
    command: [sh, -c, 'echo hi']
    params:
      name: { type: string, default: world, max: 20 }
      days: { type: integer, default: 7, min: 1, max: 90 }
`;

interface Case {
  what: string;
  method: string;
  path: string;
  /** A string is sent as the raw body. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
}

const RUN = 1;

const CASES: Case[] = [
  { what: 'malformed JSON', method: 'POST', path: '/api/jobs/hello/runs', body: '{"params": ', status: 400 },
  {
    what: 'JSON with trailing garbage',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: '{"params": {}} x',
    status: 400,
  },
  { what: 'JSON array body', method: 'POST', path: '/api/jobs/hello/runs', body: '[1, 2]', status: 400 },
  { what: 'JSON string body', method: 'POST', path: '/api/jobs/hello/runs', body: '"run it"', status: 400 },
  { what: 'JSON number body', method: 'POST', path: '/api/jobs/hello/runs', body: '42', status: 400 },
  { what: 'JSON null body', method: 'PATCH', path: '/api/settings', body: 'null', status: 400 },
  { what: 'JSON boolean body', method: 'PUT', path: '/api/jobs/hello/schedule', body: 'true', status: 400 },
  {
    what: 'text/plain body',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: '{}',
    headers: { 'Content-Type': 'text/plain' },
    status: 415,
  },
  {
    what: 'form body',
    method: 'PATCH',
    path: '/api/settings',
    body: 'max_concurrent_runs=2',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    status: 415,
  },
  {
    what: '2 MB body',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: JSON.stringify({ params: { name: 'x'.repeat(2 * 1024 * 1024) } }),
    status: 413,
  },
  {
    what: '2 MB body, chunked',
    method: 'PATCH',
    path: '/api/settings',
    body: 'x'.repeat(2 * 1024 * 1024),
    headers: { 'Content-Length': '', 'Transfer-Encoding': 'chunked' },
    status: 413,
  },
  {
    what: 'params not an object',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: { params: 'days=3' },
    status: 400,
  },
  {
    what: 'nested param value',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: { params: { name: { deep: 1 } } },
    status: 400,
  },
  {
    what: 'param out of range',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: { params: { days: 1000 } },
    status: 400,
  },
  {
    what: 'param of the wrong type',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: { params: { days: 'many' } },
    status: 400,
  },
  { what: 'unknown param', method: 'POST', path: '/api/jobs/hello/runs', body: { params: { nope: 1 } }, status: 400 },
  {
    what: '__proto__ param',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: '{"params": {"__proto__": {"polluted": 1}}}',
    status: 400,
  },
  { what: 'unknown body field', method: 'POST', path: '/api/jobs/hello/runs', body: { priority: 'high' }, status: 400 },
  { what: 'id in the body too', method: 'POST', path: '/api/jobs/hello/runs', body: { id: 'other' }, status: 400 },
  {
    what: 'over-long Idempotency-Key',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    headers: { 'Idempotency-Key': 'k'.repeat(300) },
    status: 400,
  },
  {
    what: 'idempotency key twice',
    method: 'POST',
    path: '/api/jobs/hello/runs',
    body: { idempotency_key: 'a' },
    headers: { 'Idempotency-Key': 'b' },
    status: 400,
  },
  {
    what: 'setting as a string',
    method: 'PATCH',
    path: '/api/settings',
    body: { max_concurrent_runs: '4' },
    status: 400,
  },
  {
    what: 'fractional setting',
    method: 'PATCH',
    path: '/api/settings',
    body: { settings: { kill_grace_ms: 1.5 } },
    status: 400,
  },
  {
    what: 'javascript: webhook',
    method: 'PATCH',
    path: '/api/settings',
    body: { webhook_url: 'javascript:alert(1)' },
    status: 400,
  },
  { what: 'settings as an array', method: 'PATCH', path: '/api/settings', body: { settings: [1] }, status: 400 },
  { what: 'unknown setting', method: 'PATCH', path: '/api/settings', body: { theme: 'dark' }, status: 400 },
  { what: 'empty cron', method: 'PUT', path: '/api/jobs/hello/schedule', body: { cron: '' }, status: 400 },
  { what: 'bad every', method: 'PUT', path: '/api/jobs/hello/schedule', body: { every: 'forever' }, status: 400 },
  {
    what: 'bad at',
    method: 'PUT',
    path: '/api/jobs/hello/schedule',
    body: { schedule: { at: 'not a date' } },
    status: 400,
  },
  {
    what: 'two schedule kinds',
    method: 'PUT',
    path: '/api/jobs/hello/schedule',
    body: { cron: '* * * * *', every: '5m' },
    status: 400,
  },
  {
    what: 'unknown time zone',
    method: 'PUT',
    path: '/api/jobs/hello/schedule',
    body: { cron: '* * * * *', timezone: 'Mars/Olympus_Mons' },
    status: 400,
  },
  { what: 'schedule missing', method: 'PUT', path: '/api/jobs/hello/schedule', status: 400 },
  { what: 'encoded traversal in a job id', method: 'GET', path: '/api/jobs/..%2F..%2Fetc', status: 400 },
  { what: 'dot-dot job id', method: 'GET', path: '/api/jobs/..', status: 400 },
  { what: 'NUL in a job id', method: 'GET', path: '/api/jobs/%00', status: 400 },
  { what: '10k-char job id', method: 'GET', path: `/api/jobs/${'a'.repeat(10_000)}`, status: 400 },
  { what: 'unicode job id', method: 'POST', path: '/api/jobs/%C3%A9t%C3%A9/enable', status: 400 },
  { what: 'emoji job id', method: 'GET', path: '/api/jobs/%F0%9F%92%A9', status: 400 },
  { what: 'broken percent-encoding', method: 'GET', path: '/api/jobs/%E0%A4%A', status: 400 },
  { what: 'upper-case job id', method: 'DELETE', path: '/api/jobs/HELLO/schedule', status: 400 },
  { what: 'unknown job', method: 'GET', path: '/api/jobs/no-such-job', status: 404 },
  { what: 'negative run id', method: 'GET', path: '/api/runs/-1', status: 400 },
  { what: 'zero run id', method: 'GET', path: '/api/runs/0', status: 400 },
  { what: 'fractional run id', method: 'GET', path: '/api/runs/1.5', status: 400 },
  { what: 'huge run id', method: 'GET', path: '/api/runs/99999999999999999999', status: 400 },
  { what: 'infinite run id', method: 'GET', path: '/api/runs/1e400', status: 400 },
  { what: 'word as run id', method: 'POST', path: '/api/runs/abc/cancel', status: 400 },
  { what: 'unknown run', method: 'GET', path: '/api/runs/123456', status: 404 },
  { what: 'unknown run, retry', method: 'POST', path: '/api/runs/123456/retry', status: 404 },
  { what: 'cancel a finished run', method: 'POST', path: `/api/runs/${RUN}/cancel`, status: 409 },
  { what: 'retry a succeeded run', method: 'POST', path: `/api/runs/${RUN}/retry`, status: 409 },
  {
    what: 'traversal in an artifact name',
    method: 'GET',
    path: `/api/runs/${RUN}/artifacts/..%2F..%2Fjobtray.db`,
    status: 404,
  },
  {
    what: 'over-long artifact name',
    method: 'GET',
    path: `/api/runs/${RUN}/artifacts/${'n'.repeat(200)}`,
    status: 400,
  },
  { what: 'garbage cursor', method: 'GET', path: '/api/runs?cursor=garbage!', status: 400 },
  { what: 'cursor of id 0', method: 'GET', path: '/api/runs?cursor=MA', status: 400 },
  { what: 'bad state', method: 'GET', path: '/api/runs?state=exploded', status: 400 },
  { what: 'bad trigger', method: 'GET', path: '/api/runs?trigger=magic', status: 400 },
  { what: 'limit 0', method: 'GET', path: '/api/runs?limit=0', status: 400 },
  { what: 'limit too large', method: 'GET', path: '/api/runs?limit=100000', status: 400 },
  { what: 'negative limit', method: 'GET', path: '/api/runs?limit=-5', status: 400 },
  { what: 'empty limit', method: 'GET', path: '/api/runs?limit=', status: 400 },
  { what: 'since as a word', method: 'GET', path: '/api/runs?since=yesterday', status: 400 },
  { what: 'unknown query field', method: 'GET', path: '/api/runs?bogus=1', status: 400 },
  { what: '__proto__ query field', method: 'GET', path: '/api/runs?__proto__=1', status: 400 },
  { what: 'duplicate query key', method: 'GET', path: '/api/runs?job=hello&job=other', status: 400 },
  { what: 'bad log level', method: 'GET', path: `/api/runs/${RUN}/logs?level=loud`, status: 400 },
  { what: 'negative after', method: 'GET', path: `/api/runs/${RUN}/logs?after=-1`, status: 400 },
  { what: 'audit limit as a word', method: 'GET', path: '/api/audit?limit=abc', status: 400 },
  { what: 'audit job upper-case', method: 'GET', path: '/api/audit?job=HELLO', status: 400 },
  { what: 'body on pause', method: 'POST', path: '/api/pause', body: { force: true }, status: 400 },
  { what: 'query on a POST', method: 'POST', path: '/api/pause?force=1', status: 400 },
  { what: 'query on health', method: 'GET', path: '/api/health?verbose=1', status: 400 },
  { what: 'unknown event name', method: 'GET', path: '/api/events?events=bogus', status: 400 },
  { what: 'negative last_event_id', method: 'GET', path: '/api/events?last_event_id=-3', status: 400 },
  { what: 'word Last-Event-ID', method: 'GET', path: '/api/events', headers: { 'Last-Event-ID': 'abc' }, status: 400 },
  { what: 'unknown events query field', method: 'GET', path: '/api/events?foo=1', status: 400 },
  { what: 'empty path segments', method: 'GET', path: '/api/jobs//', status: 404 },
  { what: 'unknown endpoint', method: 'GET', path: '/api/jobs/hello/nothing', status: 404 },
  { what: 'wrong method', method: 'DELETE', path: '/api/jobs/hello/runs', status: 405 },
];

async function expectClientError(res: ApiResponse<ApiErrorBody>, what: string): Promise<void> {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
  expect(res.headers['content-type'], what).toBe('application/json; charset=utf-8');
  expect(typeof res.body.error.code, what).toBe('string');
  expect(res.body.error.message, what).not.toMatch(/\n\s+at /);
}

async function setUp(): Promise<TestApi> {
  const t = await makeTestApi({ jobs: JOBS });
  const { body } = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/hello/runs');
  expect(body.run_id).toBe(RUN);
  await waitForRun(t.engine, RUN);
  return t;
}

/** mulberry32: a small seeded PRNG, so a failing combination can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const GARBAGE = [
  '',
  '0',
  '-1',
  '1.5',
  'NaN',
  '1e309',
  'null',
  'true',
  '%00',
  '..%2F..',
  '..',
  'a'.repeat(300),
  '%E0%A4%A',
  '%F0%9F%92%A9',
  'hello',
  '1',
  '2',
  '__proto__',
  'constructor',
  '%3Cscript%3E',
  "'%20OR%201=1",
  'MA',
  'running',
  'x,y',
];
const FIELDS = [
  'params',
  'settings',
  'schedule',
  'id',
  'cron',
  'every',
  'at',
  'timezone',
  'max_concurrent_runs',
  'kill_grace_ms',
  'webhook_url',
  'name',
  'days',
  '__proto__',
  'job',
  'limit',
  'cursor',
  'state',
  'after',
  'level',
  'q',
  'idempotency_key',
];
const VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  'x',
  '',
  '* * * * *',
  '5m',
  'https://x.example',
  [],
  [1, 'a'],
  {},
  { a: { b: { c: 1 } } },
  'a'.repeat(5000),
];

function randomBody(rand: () => number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const roll = rand();
  if (roll < 0.15) return pick(['{', '[', '"', '{"a":}', '\u0000', 'null', '1', '[]', '{"__proto__": {"x": 1}}']);
  if (roll < 0.2) return undefined;
  const body: Record<string, unknown> = {};
  const count = Math.floor(rand() * 4);
  for (let i = 0; i < count; i++) {
    const value = rand() < 0.3 ? Object.fromEntries([[pick(FIELDS), pick(VALUES)]]) : pick(VALUES);
    body[pick(FIELDS)] = value;
  }
  return body;
}

describe('Local API against malformed input', () => {
  it(`answers each of ${CASES.length} malformed requests with a 4xx JSON error, and stays healthy`, async () => {
    const t = await setUp();
    for (const c of CASES) {
      const res = await request<ApiErrorBody>(t.server.port, c.method, c.path, {
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
      });
      await expectClientError(res, c.what);
      expect(res.status, `${c.what}: ${res.text.slice(0, 300)}`).toBe(c.status);
    }
    expect((await t.api('GET', '/api/health')).status).toBe(200);
    expect(t.engine.listRuns().runs.map((r) => r.id)).toEqual([RUN]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await t.close();
  });

  it('never answers 5xx to random combinations built from the operations table (seeded)', async () => {
    const t = await setUp();
    const rand = prng(20240601);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const operations = Object.values(OPERATIONS);
    for (let i = 0; i < 300; i++) {
      const op = pick(operations);
      const method = rand() < 0.85 ? op.method : pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
      const path = op.path.replace(/:[a-z]+/g, () =>
        rand() < 0.3 ? (op.path.includes('/runs/') ? String(RUN) : 'hello') : pick(GARBAGE),
      );
      const query =
        rand() < 0.4
          ? `?${pick(FIELDS)}=${pick(GARBAGE)}${rand() < 0.3 ? `&${pick(FIELDS)}=${pick(GARBAGE)}` : ''}`
          : '';
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? randomBody(rand) : undefined;
      const what = `#${i} ${method} ${path}${query} ${JSON.stringify(body)?.slice(0, 200)}`;
      const res = await request<ApiErrorBody>(
        t.server.port,
        method,
        `${path}${query}`,
        body === undefined ? {} : { body },
      );
      expect(res.status, `${what} → ${res.text.slice(0, 300)}`).toBeLessThan(500);
      if (res.status >= 400 && method !== 'HEAD') await expectClientError(res, what);
    }
    await t.api('POST', '/api/resume');
    expect((await t.api('GET', '/api/health')).status).toBe(200);
    await t.close();
  });
});
