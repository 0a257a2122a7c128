import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogPage } from '../../contract/model.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { eventually, isAlive, makeDataDir, writeFiles } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: sleeper
    command: [sh, -c, 'sleep 1000 & echo "pid $!"; wait']
`;

describe('jobtray serve', () => {
  it('prints the API URL (a token only in a URL fragment), refuses a second host, stops cleanly on SIGTERM', async () => {
    const dataDir = makeDataDir();
    const jobsFile = path.join(makeDataDir(), 'my-jobs.yaml');
    writeFiles(path.dirname(jobsFile), { 'my-jobs.yaml': JOBS });
    const serve = spawnCli(['serve', '--data-dir', dataDir, '--jobs', jobsFile, '--port', '0']);
    await serve.waitForStdout(/^Press Ctrl\+C to stop\.$/m);
    const discovery = path.join(dataDir, 'api.json');
    const {
      url,
      token,
      pid: hostPid,
    } = JSON.parse(fs.readFileSync(discovery, 'utf8')) as { url: string; token: string; pid: number };
    expect(hostPid).toBe(serve.child.pid);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const printed = serve.stdout();
    expect(printed).toContain(`Local API: ${url}\n`);
    // The token is printed only in a login URL's fragment (never sent to a server), never in a query.
    expect(printed).not.toMatch(/\?\S*token/i);
    for (const match of printed.matchAll(new RegExp(token, 'g')))
      expect(printed.slice(0, match.index)).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=$/);

    const second = spawnCli(['serve', '--data-dir', dataDir, '--port', '0']);
    const { code } = await second.exitedWithin(10_000);
    expect(code).not.toBe(0);
    expect(second.stderr()).toMatch(/^error: .*already running.*\n$/);
    expect(second.stderr()).not.toMatch(/\n\s+at /);

    // A job whose command is still running when the host stops.
    const started = await runCli(['run', 'sleeper', '--json', '--data-dir', dataDir]);
    const runId = (JSON.parse(started.stdout) as { run_id: number }).run_id;
    const pid = await eventually(async () => {
      const logs = JSON.parse(
        (await runCli(['logs', String(runId), '--json', '--data-dir', dataDir])).stdout,
      ) as LogPage;
      const line = logs.lines.find((l) => l.message.startsWith('pid '));
      return line ? Number(line.message.slice(4)) : null;
    }, 'the job to print the pid of its sleep');
    expect(isAlive(pid)).toBe(true);

    serve.child.kill('SIGTERM');
    expect(await serve.exitedWithin(10_000)).toEqual({ code: 0, signal: null });
    expect(serve.stdout()).toContain('SIGTERM: stopping');
    expect(fs.existsSync(discovery)).toBe(false);
    await eventually(() => !isAlive(pid), `the job's sleep (pid ${pid}) to be gone`, 5_000);

    const after = await runCli(['jobs', '--data-dir', dataDir]);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^error: Jobtray is not running/);
  });

  it('--help lists the commands', async () => {
    const help = spawnCli(['--help']);
    expect(await help.exited).toEqual({ code: 0, signal: null });
    for (const command of [
      'serve',
      'jobs',
      'status',
      'run',
      'runs',
      'logs',
      'cancel',
      'retry',
      'enable',
      'disable',
      'schedule',
      'pause',
      'resume',
      'reload',
      'artifacts',
    ]) {
      expect(help.stdout()).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('a bad --port is a usage error', async () => {
    const out = await runCli(['serve', '--data-dir', makeDataDir(), '--port', '99999']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      "option '--port <n>' argument '99999' is invalid. the port must be a whole number from 0 to 65535",
    );
  });
});
