import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerToEngine } from '../../contract/worker-protocol.js';
import { FIXTURES, logLines, messageTypes, runWorker, scriptSpec } from '../helpers/run-worker.js';

const JOB = path.join(FIXTURES, 'script-job.mjs');
const withMode = (mode: string, params: Record<string, string> = {}) =>
  scriptSpec(JOB, { params: { mode, ...params } });
const progressOf = (messages: WorkerToEngine[]) => messages.filter((m) => m.type === 'progress');

describe('run-job worker: script jobs', () => {
  let tmp: string | null = null;
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    tmp = null;
  });

  it('passes params and ids in ctx, keeps progress and log lines in order, returns the value', async () => {
    const spec = { ...withMode('echo', { name: 'Ada' }), run_id: 42, attempt: 2, job_id: 'sync-orders' };
    const run = await runWorker(spec);

    expect(run.exitCode).toBe(0);
    expect(run.result).toEqual({
      ok: true,
      result: { params: { mode: 'echo', name: 'Ada' }, runId: 42, attempt: 2, jobId: 'sync-orders' },
    });
    expect(messageTypes(run.messages)).toEqual(['started', 'log', 'progress', 'log', 'result']);
    expect(progressOf(run.messages)).toEqual([{ type: 'progress', percent: 10, step: 'first' }]);
    expect(logLines(run.messages)).toEqual([
      { stream: 'job', level: 'info', message: 'hello Ada' },
      // every progress update is also a log line, in order with the others
      { stream: 'progress', level: 'info', message: '10% first' },
      { stream: 'job', level: 'warn', message: '{ detail: 1 }' },
      { stream: 'job', level: 'error', message: 'last line' },
    ]);
  });

  it('throttles progress messages to the first and the last value, clamped to 0..100, and logs every update', async () => {
    const run = await runWorker(withMode('throttle'));
    expect(progressOf(run.messages)).toEqual([
      { type: 'progress', percent: 0, step: 'step 0' },
      { type: 'progress', percent: 100, step: 'step 150' },
    ]);
    expect(logLines(run.messages).filter((l) => l.stream === 'progress')).toHaveLength(151);
    expect(run.messages.at(-2)?.type).toBe('progress');
  });

  it('accepts a module that exports `run` instead of a default export', async () => {
    const run = await runWorker(scriptSpec(path.join(FIXTURES, 'named-run.mjs'), { attempt: 3 }));
    expect(run.result).toEqual({ ok: true, result: { attempt: 3 } });
  });

  it('fails with a message naming the file when the module exports no job function', async () => {
    const file = path.join(FIXTURES, 'no-export.mjs');
    const run = await runWorker(scriptSpec(file));
    expect(run.result).toMatchObject({ ok: false, code: 'exception' });
    expect(run.result?.ok === false && run.result.message).toContain(file);
    expect(run.result?.ok === false && run.result.message).toContain('answer');
  });

  it('reports a throw as exception with message and stack', async () => {
    const run = await runWorker(withMode('throws'));
    expect(run.result).toMatchObject({ ok: false, code: 'exception', message: 'the orders API answered 500' });
    expect(run.result?.ok === false && run.result.stack).toContain('script-job.mjs');
    expect(run.exitCode).toBe(0);
  });

  it.each([
    ['fatalImported', 'credentials rejected'],
    ['fatalFromContext', 'fatal via ctx'],
    ['fatalByName', 'fatal by name'],
    ['fatalByFlag', 'fatal by flag'],
  ])('reports %s as fatal', async (mode, message) => {
    const run = await runWorker(withMode(mode));
    expect(run.result).toMatchObject({ ok: false, code: 'fatal', message });
  });

  it('converts a return value through JSON and maps undefined to null', async () => {
    expect((await runWorker(withMode('convertible'))).result).toEqual({
      ok: true,
      result: { when: '1970-01-01T00:00:00.000Z', nested: { n: 1 } },
    });
    expect((await runWorker(withMode('nothing'))).result).toEqual({ ok: true, result: null });
  });

  it('fails clearly when the return value cannot be stored as JSON', async () => {
    const run = await runWorker(withMode('circular'));
    expect(run.result).toMatchObject({ ok: false, code: 'exception' });
    expect(run.result?.ok === false && run.result.message).toMatch(
      /returned a value that cannot be stored as JSON.*circular/i,
    );
  });

  it('turns console output of the job into log lines', async () => {
    const run = await runWorker(withMode('console'));
    const lines = logLines(run.messages);
    expect(lines.slice(0, 4)).toEqual([
      { stream: 'job', level: 'info', message: 'hello console' },
      { stream: 'job', level: 'info', message: 'info line' },
      { stream: 'job', level: 'debug', message: 'debug line' },
      { stream: 'job', level: 'warn', message: 'warn line' },
    ]);
    expect(lines[4]).toMatchObject({ stream: 'job', level: 'error' });
    expect(lines[4]!.message).toMatch(/^Error: error object\n\s+at /);
  });

  it('posts artifacts from a path (resolved against cwd) and from data', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-'));
    fs.mkdirSync(path.join(tmp, 'out'));
    fs.writeFileSync(path.join(tmp, 'out', 'report.txt'), 'report');
    const run = await runWorker({ ...withMode('artifacts'), cwd: tmp });

    expect(run.result).toEqual({ ok: true, result: 'ok' });
    expect(run.messages.filter((m) => m.type === 'artifact')).toEqual([
      { type: 'artifact', name: 'report.txt', path: path.join(tmp, 'out', 'report.txt'), data: null },
      { type: 'artifact', name: 'note.txt', path: null, data: 'plain text' },
      { type: 'artifact', name: 'bytes.bin', path: null, data: new Uint8Array([1, 2, 3]) },
    ]);
  });

  it('rejects unsafe artifact names and missing files with a clear error and an error log line', async () => {
    const run = await runWorker(withMode('badArtifacts'));
    expect(run.messages.some((m) => m.type === 'artifact')).toBe(false);
    const errors = run.result?.ok ? (run.result.result as string[]) : [];
    expect(errors).toHaveLength(5);
    expect(errors[0]).toContain('"../escape.txt"');
    expect(errors[1]).toContain('path separator');
    expect(errors[2]).toContain('non-empty');
    expect(errors[3]).toContain('longer than 128');
    expect(errors[4]).toContain(path.join(FIXTURES, 'does/not/exist.txt'));
    expect(
      logLines(run.messages)
        .filter((l) => l.stream === 'system' && l.level === 'error')
        .map((l) => l.message),
    ).toEqual(errors);
  });

  it('aborts ctx.signal on cancel with the reason; a job that then throws ends as aborted', async () => {
    const run = await runWorker(withMode('waitForCancel'), {
      cancelWhen: (m) => m.type === 'progress',
      cancelReason: 'timeout',
    });
    expect(run.result).toMatchObject({ ok: false, code: 'aborted' });
    expect(run.result?.ok === false && run.result.message).toContain('reason: timeout');
    expect(logLines(run.messages)).toContainEqual({
      stream: 'job',
      level: 'info',
      message: 'observed abort: Run 1 of job "test-job" was stopped by the engine (reason: timeout)',
    });
    expect(run.exitCode).toBe(0);
  });

  it('turns an exception thrown in a timer into a result', async () => {
    const run = await runWorker(withMode('timerThrow'));
    expect(run.result).toMatchObject({ ok: false, code: 'exception', message: 'thrown in a timer' });
    expect(run.exitCode).toBe(0);
  });

  it('turns an unhandled rejection into a result', async () => {
    const run = await runWorker(withMode('unhandledRejection'));
    expect(run.result).toMatchObject({ ok: false, code: 'exception', message: 'nobody awaited this' });
  });

  it('lets a job that calls process.exit(3) end the thread with code 3 and no result', async () => {
    const run = await runWorker(withMode('exit3'));
    expect(run.exitCode).toBe(3);
    expect(run.result).toBeNull();
    expect(run.messages[0]?.type).toBe('started');
  });

  it('ends with ERR_WORKER_OUT_OF_MEMORY when the job exceeds the heap limit', async () => {
    const run = await runWorker(withMode('hog'), { resourceLimits: { maxOldGenerationSizeMb: 32 } });
    expect(run.exitCode).not.toBe(0);
    expect(run.error?.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(run.result).toBeNull();
  });
});
