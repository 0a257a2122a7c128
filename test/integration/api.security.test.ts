import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../contract/api.js';
import { DASHBOARD_CSP } from '../../main/api/static.js';
import { startApiServer } from '../../main/api/server.js';
import { TEST_TOKEN, corsHeaders, makeTestApi, request } from '../helpers/api.js';

const JOBS = `
jobs:
  - id: hello
    command: [sh, -c, 'echo hi']
`;

function makeStaticDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-static-'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><title>Jobtray</title><script src="/app.js"></script>',
  );
  fs.writeFileSync(path.join(dir, 'app.js'), 'console.log("dashboard")');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'style.css'), 'body{}');
  // A secret next to the static folder: nothing may reach it.
  fs.writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), 'secret');
  return dir;
}

describe('Local API security', () => {
  it('requires the bearer token on the API and /metrics, compared safely', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const cases: { what: string; headers: Record<string, string> }[] = [
      { what: 'no token', headers: {} },
      { what: 'wrong token, same length', headers: { Authorization: `Bearer ${'x'.repeat(TEST_TOKEN.length)}` } },
      { what: 'shorter token', headers: { Authorization: 'Bearer abc' } },
      { what: 'longer token', headers: { Authorization: `Bearer ${TEST_TOKEN}${TEST_TOKEN}` } },
      {
        what: 'Basic scheme',
        headers: { Authorization: `Basic ${Buffer.from(`user:${TEST_TOKEN}`).toString('base64')}` },
      },
      { what: 'token without scheme', headers: { Authorization: TEST_TOKEN } },
      { what: 'empty bearer', headers: { Authorization: 'Bearer ' } },
      { what: 'token in the query', headers: {} },
    ];
    for (const { what, headers } of cases) {
      for (const target of ['/api/health', '/api/jobs/hello/runs', '/metrics', '/api/events', '/api/nope']) {
        const method = target.endsWith('/runs') ? 'POST' : 'GET';
        const res = await request<ApiErrorBody>(
          t.server.port,
          method,
          what === 'token in the query' ? `${target}?token=${TEST_TOKEN}` : target,
          { token: null, headers },
        );
        expect(res.status, `${what} ${target}`).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.body.error.code).toBe('unauthorized');
      }
    }
    expect(t.engine.listRuns().runs).toEqual([]);
    const ok = await t.api('GET', '/api/health', { headers: { Authorization: `bearer ${TEST_TOKEN}` } });
    expect(ok.status).toBe(200);
    await t.close();
  });

  it('refuses a Host that is not loopback with 403, before checking the token', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { staticDir: makeStaticDir() } });
    const port = t.server.port;
    // '' sends no Host header at all.
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      '127.0.0.1.evil.example',
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      '0.0.0.0',
      `[::2]:${port}`,
      '',
    ]) {
      for (const target of ['/api/health', '/', '/metrics']) {
        const res = await request<ApiErrorBody>(port, 'GET', target, { headers: { Host: host } });
        expect(res.status, `${host} ${target}`).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
      }
      const noToken = await request(port, 'GET', '/api/health', { token: null, headers: { Host: host } });
      expect(noToken.status).toBe(403);
    }
    for (const host of [
      '127.0.0.1',
      `127.0.0.1:${port}`,
      'localhost',
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      '[::1]',
      `[::1]:${port}`,
    ]) {
      expect((await request(port, 'GET', '/api/health', { headers: { Host: host } })).status, host).toBe(200);
    }
    await t.close();
  });

  it('sends no CORS headers on any answer and refuses OPTIONS with 405', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { staticDir: makeStaticDir() } });
    const preflight = {
      Origin: 'https://evil.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization',
    };
    const answers = [
      await t.api('OPTIONS', '/api/jobs/hello/runs', { token: null, headers: preflight }),
      await t.api('OPTIONS', '/api/health', { headers: preflight }),
      await t.api('OPTIONS', '/', { token: null, headers: preflight }),
      await t.api('GET', '/api/health', { headers: { Origin: 'https://evil.example' } }),
      await t.api('GET', '/api/health', { token: 'wrong', headers: { Origin: 'https://evil.example' } }),
      await t.api('GET', '/api/jobs/nope', { headers: { Origin: 'null' } }),
      await t.api('POST', '/api/jobs/hello/runs', { headers: { Origin: 'https://evil.example' } }),
      await t.api('GET', '/', { headers: { Origin: 'https://evil.example' } }),
      await t.api('GET', '/metrics', { headers: { Origin: 'https://evil.example' } }),
    ];
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([405, 405, 405]);
    expect(answers[0]!.headers.allow).toBe('POST');
    expect(answers[2]!.headers.allow).toBe('GET, HEAD');
    for (const answer of answers) {
      expect(corsHeaders(answer.headers)).toEqual([]);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    await t.close();
  });

  it('answers 405 with Allow for a known path and the wrong method, 404 for an unknown path', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const wrong = await t.api<ApiErrorBody>('DELETE', '/api/jobs/hello');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    expect(wrong.body.error.code).toBe('method_not_allowed');
    const schedule = await t.api('POST', '/api/jobs/hello/schedule');
    expect(schedule.headers.allow).toBe('PUT, DELETE');
    expect((await t.api('POST', '/api/events')).status).toBe(405);
    expect((await t.api('HEAD', '/api/health')).status).toBe(405);
    const unknown = await t.api<ApiErrorBody>('GET', '/api/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    await t.close();
  });

  it('serves the dashboard without a token, with a strict CSP, and never outside its folder', async () => {
    const staticDir = makeStaticDir();
    const t = await makeTestApi({ jobs: JOBS, server: { staticDir } });
    const port = t.server.port;
    const index = await request(port, 'GET', '/', { token: null });
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>Jobtray</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');

    const app = await request(port, 'GET', '/app.js', { token: null });
    expect(app.status).toBe(200);
    expect(app.text).toBe('console.log("dashboard")');
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await request(port, 'GET', '/assets/style.css', { token: null })).text).toBe('body{}');
    const head = await request(port, 'HEAD', '/app.js', { token: null });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log("dashboard")'.length));
    // Revalidated on every load: an unchanged file is a 304 without a body (the browser keeps its copy).
    expect(app.headers['cache-control']).toBe('no-cache');
    const etag = app.headers.etag!;
    expect(etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
    const same = await request(port, 'GET', '/app.js', { token: null, headers: { 'If-None-Match': etag } });
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    fs.writeFileSync(path.join(staticDir, 'app.js'), 'console.log("dashboard, new")');
    const changed = await request(port, 'GET', '/app.js', { token: null, headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.text).toBe('console.log("dashboard, new")');

    // Routes of the single-page app load index.html; a directory is never listed.
    for (const spa of ['/runs/12', '/assets', '/assets/']) {
      const res = await request(port, 'GET', spa, { token: null });
      expect(res.status, spa).toBe(200);
      expect(res.text, spa).toContain('<title>Jobtray</title>');
    }

    const secret = `/../${path.basename(staticDir)}-secret.txt`;
    for (const evil of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2fetc%2fpasswd',
      '/%2e%2e%2fetc%2fpasswd',
      secret,
      '/assets/%2e%2e/app.js',
      '/app.js%00.html',
      '/..\\..\\etc\\passwd',
      '/%E0%A4%A',
    ]) {
      const res = await request<ApiErrorBody>(port, 'GET', evil, { token: null });
      expect([400, 404], evil).toContain(res.status);
      expect(res.text).not.toContain('root:');
      expect(res.text).not.toContain('secret');
      expect(res.body.error.code).toMatch(/invalid_input|not_found/);
    }

    expect((await request(port, 'POST', '/', { token: null })).status).toBe(405);
    await t.close();
  });

  it('answers 404 at / when there is no dashboard', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const res = await request<ApiErrorBody>(t.server.port, 'GET', '/', { token: null });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-static-'));
    const withEmptyDir = await makeTestApi({ jobs: JOBS, server: { staticDir: empty } });
    expect((await request(withEmptyDir.server.port, 'GET', '/', { token: null })).status).toBe(404);
    await withEmptyDir.close();
    await t.close();
  });

  it('binds to 127.0.0.1 only and refuses non-loopback hosts', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    expect(t.server.url).toBe(`http://127.0.0.1:${t.server.port}`);
    expect(t.server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4', port: t.server.port });
    // Another address of this machine does not reach the server.
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === 'IPv4');
    if (external) {
      await expect(
        new Promise((resolve, reject) =>
          net.connect(t.server.port, external.address).on('connect', resolve).on('error', reject),
        ),
      ).rejects.toThrow(/ECONNREFUSED/);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1']) {
      await expect(startApiServer({ engine: t.engine, token: TEST_TOKEN, port: 0, host }), host).rejects.toThrow(
        /loopback/,
      );
    }
    await t.close();
  });
});
