import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, WORKER_FILE } from '../helpers/run-worker.js';

describe('run-job worker at the file descriptor limit', () => {
  it('a command that cannot be spawned for lack of descriptors fails with code spawn, saying too many open files', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-fd-limit-'));
    const fixture = path.join(FIXTURES, 'spawn-at-fd-limit.mjs');
    // A low limit of its own: the test process's descriptors are never touched.
    const child = spawn('sh', ['-c', 'ulimit -n 128 && exec "$0" "$@"', process.execPath, fixture, WORKER_FILE, cwd], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const { held, messages, outcome } = JSON.parse(stdout) as {
      held: number;
      messages: string[];
      outcome: Record<string, unknown>;
    };
    expect(held).toBeGreaterThan(50);
    expect(messages).toEqual(['loaded', 'started', 'result']);
    expect(outcome).toMatchObject({
      ok: false,
      code: 'spawn',
      message: `Cannot start "sh" in ${cwd}: too many open files: Jobtray reached its limit of open file descriptors (ulimit -n); too many connections to its Local API can cause this [EMFILE]`,
    });
  });
});
