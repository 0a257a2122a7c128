import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../contract/model.js';
import { spawnNode } from '../helpers/cli.js';
import { makeDataDir, writeFiles } from '../helpers/engine.js';

/** What `npm start` runs after building (npm appends the arguments given after `--`). */
const START = fileURLToPath(new URL('../../dist/main/start.js', import.meta.url));

describe('npm start -- [serve options]', () => {
  it('runs the headless host on the given data dir, jobs file and port', async () => {
    const dataDir = makeDataDir();
    const jobsDir = makeDataDir();
    writeFiles(jobsDir, { 'other-jobs.yaml': 'jobs:\n  - id: from-the-flag\n    command: [sh, -c, "true"]\n' });
    const start = spawnNode(
      START,
      ['--data-dir', dataDir, '--jobs', path.join(jobsDir, 'other-jobs.yaml'), '--port', '0'],
      { JOBTRAY_HEADLESS: '1' },
    );
    await start.waitForStdout(/^Press Ctrl\+C to stop\.$/m);
    expect(start.stdout()).toContain(`Jobtray is running (data: ${dataDir}).`);
    const { url, token, pid } = JSON.parse(fs.readFileSync(path.join(dataDir, 'api.json'), 'utf8')) as {
      url: string;
      token: string;
      pid: number;
    };
    expect(pid).toBe(start.child.pid);
    const jobs = (await (await fetch(`${url}/api/jobs`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
      jobs: JobView[];
    };
    expect(jobs.jobs.map((job) => job.id)).toEqual(['from-the-flag']);
    start.child.kill('SIGTERM');
    expect(await start.exitedWithin(10_000)).toEqual({ code: 0, signal: null });
  });

  it('refuses an unknown option with a usage line and exit code 2, starting nothing', async () => {
    const dataDir = makeDataDir();
    const start = spawnNode(START, ['--data-dri', dataDir], { JOBTRAY_HEADLESS: '1' });
    expect(await start.exitedWithin(10_000)).toEqual({ code: 2, signal: null });
    expect(start.stderr()).toContain("error: unknown option '--data-dri'");
    expect(start.stderr()).toContain(
      'Usage: npm start -- [--data-dir <dir>] [--jobs <file>] [--port <n>] [--move-damaged-db]',
    );
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
