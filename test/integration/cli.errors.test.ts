import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startTestHost } from '../helpers/cli.js';
import { makeDataDir } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: import
    command: [sh, -c, 'echo "days={{days}}"']
    params:
      days: { type: integer, default: 7, min: 1, max: 90 }
  - id: other
    command: [sh, -c, 'true']
`;

const NOT_RUNNING =
  /^error: Jobtray is not running \(no API at .+\)\. Start it with: jobtray serve \(or npm start in a checkout\)/;

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function writeDiscovery(dataDir: string, content: object): void {
  fs.writeFileSync(path.join(dataDir, 'api.json'), JSON.stringify(content));
}

describe('jobtray CLI errors', () => {
  it('no host: an empty data dir says Jobtray is not running and how to start it (exit 1)', async () => {
    const dataDir = makeDataDir();
    const out = await runCli(['jobs', '--data-dir', dataDir]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(NOT_RUNNING);
    expect(out.stderr).toContain(dataDir);
    expect(out.stdout).toBe('');
  });

  it('no host: the data dir comes from JOBTRAY_DATA_DIR by default', async () => {
    const dataDir = makeDataDir();
    const out = await runCli(['status'], { env: { JOBTRAY_DATA_DIR: dataDir } });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(path.join(dataDir, 'api.json'));
  });

  it('no host: a discovery file left by a dead process, or an API that refuses connections', async () => {
    const dataDir = makeDataDir();
    const dead = spawnSync('true').pid!;
    writeDiscovery(dataDir, { url: 'http://127.0.0.1:9', token: 'x', pid: dead, version: '0', started_at: 0 });
    const stale = await runCli(['jobs', '--data-dir', dataDir]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(NOT_RUNNING);
    expect(stale.stderr).toContain(`process ${dead}`);

    const url = `http://127.0.0.1:${await closedPort()}`;
    writeDiscovery(dataDir, { url, token: 'x', pid: process.pid, version: '0', started_at: 0 });
    const refused = await runCli(['jobs', '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(NOT_RUNNING);
    expect(refused.stderr).toContain(url);
  });

  it('unknown job: the API message lists the known ids', async () => {
    const t = await startTestHost(JOBS);
    const out = await t.cli(['run', 'nope']);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('error: job "nope" does not exist; known jobs: import, other\n');
    await t.close();
  });

  it('a bad param: the API message names the param, the expected type and the value', async () => {
    const t = await startTestHost(JOBS);
    const out = await t.cli(['run', 'import', '--param', 'days=lots']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^error: .*"days".*integer.*"lots"/);
    await t.close();
  });

  it('malformed --param and other command-line mistakes are usage errors (exit 2) naming the argument', async () => {
    const t = await startTestHost(JOBS);
    const param = await t.cli(['run', 'import', '--param', 'days']);
    expect(param.code).toBe(2);
    expect(param.stderr).toBe(
      'error: --param "days" is not name=value (e.g. --param days_back=3)\n(add --help for usage)\n',
    );
    const runId = await t.cli(['logs', 'latest']);
    expect(runId.code).toBe(2);
    expect(runId.stderr).toContain('"latest" is not a run id');
    const unknownOption = await t.cli(['jobs', '--colour']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--colour'");
    const missing = await runCli(['run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'job'");
    expect((await runCli([])).code).toBe(2);
    await t.close();
  });

  it('a wrong token: says which token was rejected and suggests another instance', async () => {
    const t = await startTestHost(JOBS);
    const given = await t.cli(['jobs', '--token', 'not-the-token']);
    expect(given.code).toBe(1);
    expect(given.stderr).toMatch(
      /^error: the token given with --token was rejected by http:\/\/127\.0\.0\.1:\d+: is it from another Jobtray instance\?/,
    );

    // A discovery file of another instance pointing at this host.
    const otherDir = makeDataDir();
    writeDiscovery(otherDir, {
      url: t.host.url,
      token: 'someone-elses',
      pid: process.pid,
      version: '0',
      started_at: 0,
    });
    const file = await runCli(['status', '--data-dir', otherDir]);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(
      `error: the token in ${path.join(otherDir, 'api.json')} was rejected by ${t.host.url}: is it from another Jobtray instance?`,
    );
    await t.close();
  });

  it('--url and --token reach a host without its data dir', async () => {
    const t = await startTestHost(JOBS);
    const { token } = JSON.parse(fs.readFileSync(path.join(t.dataDir, 'api.json'), 'utf8')) as { token: string };
    const out = await runCli(['jobs', '--url', t.host.url, '--token', token]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^import\s+ok/m);
    const noToken = await runCli(['jobs', '--url', t.host.url, '--data-dir', makeDataDir()]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^error: --url needs --token/);
    await t.close();
  });
});
