import { unpackLogLines } from '../../contract/worker-protocol.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killTree } from '../../main/engine/process-tree.js';
import { commandSpec, FIXTURES, logLines, runWorker } from '../helpers/run-worker.js';

const PYTHON = 'python3';
const python = (code: string) => [PYTHON, '-c', code];

describe('run-job worker: command jobs', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reports progress, stdout/stderr lines and artifacts; env and cwd reach the process', async () => {
    const spec = commandSpec([PYTHON, path.join(FIXTURES, 'command-job.py')], {
      cwd: tmp,
      env: { PATH: process.env.PATH ?? '', GREETING: 'hallo' },
    });
    const run = await runWorker(spec);

    expect(run.result).toEqual({ ok: true, result: null, exit_code: 0 });
    expect(run.exitCode).toBe(0);
    expect(run.messages[0]).toMatchObject({ type: 'started' });
    expect(run.messages[1]).toMatchObject({ type: 'spawned', pid: expect.any(Number) });
    expect(run.messages.filter((m) => m.type === 'progress')).toEqual([
      { type: 'progress', percent: 10, step: 'Starting' },
      { type: 'progress', percent: 100, step: 'Done' },
    ]);
    expect(run.messages.filter((m) => m.type === 'artifact')).toEqual([
      { type: 'artifact', name: 'export.csv', path: path.join(tmp, 'out', 'export.csv'), data: null },
    ]);
    const lines = logLines(run.messages);
    expect(lines).toContainEqual({ stream: 'stdout', level: 'info', message: `cwd=${fs.realpathSync(tmp)}` });
    expect(lines).toContainEqual({ stream: 'stdout', level: 'info', message: 'greeting=hallo' });
    expect(lines).toContainEqual({ stream: 'stderr', level: 'warn', message: 'something odd happened' });
    expect(lines).toContainEqual({ stream: 'stdout', level: 'warn', message: 'low disk' });
    const systemErrors = lines.filter((l) => l.stream === 'system' && l.level === 'error').map((l) => l.message);
    expect(systemErrors).toHaveLength(2);
    expect(systemErrors[0]).toContain('"../bad.csv"');
    expect(systemErrors[1]).toContain(`${path.join(tmp, 'out', 'missing.csv')} does not exist`);
  });

  it('fails with exit_code and the code when the process exits non-zero', async () => {
    const run = await runWorker(commandSpec([PYTHON, path.join(FIXTURES, 'command-job.py'), '3'], { cwd: tmp }));
    expect(run.result).toEqual({
      ok: false,
      code: 'exit_code',
      message: 'exited with code 3',
      stack: null,
      exit_code: 3,
      signal: null,
    });
  });

  it('fails with spawn and names the command and cwd when the command does not exist', async () => {
    const run = await runWorker(commandSpec(['jobtray-no-such-command', '--flag'], { cwd: tmp }));
    expect(run.result).toMatchObject({ ok: false, code: 'spawn' });
    const message = run.result?.ok === false ? run.result.message : '';
    expect(message).toContain('"jobtray-no-such-command"');
    expect(message).toContain(tmp);
    expect(message).toContain('ENOENT');
    expect(run.messages.some((m) => m.type === 'spawned')).toBe(false);
    expect(run.exitCode).toBe(0);
  });

  it('fails with spawn and names the missing working directory', async () => {
    const missing = path.join(tmp, 'nope');
    const run = await runWorker(commandSpec(python('print(1)'), { cwd: missing }));
    expect(run.result).toMatchObject({ ok: false, code: 'spawn' });
    expect(run.result?.ok === false && run.result.message).toContain(`working directory ${missing} does not exist`);
  });

  it('delivers 10,000 lines in order', async () => {
    const run = await runWorker(commandSpec(python('for i in range(10000): print(f"line {i}")'), { cwd: tmp }));
    expect(run.result).toEqual({ ok: true, result: null, exit_code: 0 });
    const messages = logLines(run.messages).map((l) => l.message);
    expect(messages).toEqual(Array.from({ length: 10_000 }, (_, i) => `line ${i}`));
    expect(run.messages.every((m) => m.type !== 'log' || unpackLogLines(m.packed).length <= 500)).toBe(true);
  });

  it('delivers \\r\\n lines, invalid UTF-8, split long lines and a last line without newline', async () => {
    const code = [
      'import sys',
      'out = sys.stdout.buffer',
      'out.write(b"windows\\r\\n")',
      'out.write(b"bad \\xff byte\\n")',
      'out.write(b"x" * 70000 + b"\\n")',
      'out.write(b"no newline at the end")',
    ].join('\n');
    const run = await runWorker(commandSpec(python(code), { cwd: tmp }));
    expect(logLines(run.messages).map((l) => l.message)).toEqual([
      'windows',
      'bad \uFFFD byte',
      'x'.repeat(65_536),
      'x'.repeat(70_000 - 65_536),
      'no newline at the end',
    ]);
  });

  it('sends SIGTERM to the process group on cancel and reports the signal', async () => {
    const code = 'import time\nprint("ready", flush=True)\ntime.sleep(1000)';
    const run = await runWorker(commandSpec(python(code), { cwd: tmp }), {
      cancelWhen: (m) => m.type === 'log' && unpackLogLines(m.packed).some((l) => l.message === 'ready'),
    });
    expect(run.result).toEqual({
      ok: false,
      code: 'exit_code',
      message: 'killed by SIGTERM',
      stack: null,
      exit_code: null,
      signal: 'SIGTERM',
    });
  });

  it('stops reading when a background process keeps the output open after the command exited', async () => {
    const run = await runWorker(commandSpec(['sh', '-c', 'sleep 30 & echo parent done'], { cwd: tmp }));
    const spawned = run.messages.find((m) => m.type === 'spawned');
    // The orphaned sleep is in the command's process group: end it as the engine would.
    if (spawned?.type === 'spawned') await killTree(spawned.pid, 'SIGKILL');

    expect(run.result).toEqual({ ok: true, result: null, exit_code: 0 });
    const lines = logLines(run.messages);
    expect(lines[0]).toEqual({ stream: 'stdout', level: 'info', message: 'parent done' });
    expect(lines[1]).toMatchObject({ stream: 'system', level: 'warn' });
    expect(lines[1]!.message).toContain('still holds its output open');
  });
});
