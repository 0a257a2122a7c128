import { describe, expect, it } from 'vitest';
import { settleAttempt, settlementPatch } from '../../main/engine/outcome.js';
import type { AttemptExit } from '../../main/engine/runner.js';

const ok: AttemptExit = { outcome: { ok: true, result: { rows: 3 } }, exitCode: 0, error: null };
const exitCode: AttemptExit = {
  outcome: { ok: false, code: 'exit_code', message: 'exited with code 2', stack: null, exit_code: 2, signal: null },
  exitCode: 0,
  error: null,
};
const killed: AttemptExit = {
  outcome: {
    ok: false,
    code: 'exit_code',
    message: 'killed by SIGKILL',
    stack: null,
    exit_code: null,
    signal: 'SIGKILL',
  },
  exitCode: 0,
  error: null,
};
const ctx = { stop: null, memoryMb: 256 };

describe('settleAttempt', () => {
  it('maps worker outcomes to run states', () => {
    expect(settleAttempt(ok, ctx)).toMatchObject({ state: 'succeeded', result: { rows: 3 }, error: null });
    expect(settleAttempt(exitCode, ctx)).toMatchObject({
      state: 'failed',
      error_code: 'exit_code',
      exit_code: 2,
      error: 'exited with code 2',
    });
    expect(
      settleAttempt(
        {
          ...ok,
          outcome: { ok: false, code: 'fatal', message: 'bad creds', stack: 's', exit_code: null, signal: null },
        },
        ctx,
      ),
    ).toMatchObject({ state: 'failed', error_code: 'fatal' });
  });

  it('records exit code 0 for a command that succeeded, none for a script job', () => {
    expect(settleAttempt({ ...ok, outcome: { ok: true, result: null, exit_code: 0 } }, ctx)).toMatchObject({
      state: 'succeeded',
      exit_code: 0,
    });
    expect(settleAttempt(ok, ctx)).toMatchObject({ state: 'succeeded', exit_code: null });
  });

  it('an engine stop decides the state whatever the worker reported', () => {
    const timeout = { reason: 'timeout' as const, by: 'engine', timeoutText: '3m' };
    expect(settleAttempt(killed, { ...ctx, stop: timeout })).toMatchObject({
      state: 'timed_out',
      error: 'timed out after 3m',
      error_code: 'timeout',
      signal: 'SIGKILL',
    });
    expect(settleAttempt(ok, { ...ctx, stop: { reason: 'cancel', by: 'tray', timeoutText: null } })).toMatchObject({
      state: 'cancelled',
      reason: 'cancelled by tray',
      result: null,
    });
    expect(
      settleAttempt(killed, { ...ctx, stop: { reason: 'shutdown', by: 'engine', timeoutText: null } }),
    ).toMatchObject({ state: 'interrupted', error_code: 'interrupted' });
  });

  it('explains a worker that died without a result', () => {
    const oom = new Error('Worker terminated due to reaching memory limit: JS heap out of memory') as Error & {
      code: string;
    };
    oom.code = 'ERR_WORKER_OUT_OF_MEMORY';
    expect(settleAttempt({ outcome: null, exitCode: 1, error: oom }, ctx)).toMatchObject({
      state: 'failed',
      error_code: 'out_of_memory',
      error: expect.stringContaining('256 MB'),
    });
    expect(settleAttempt({ outcome: null, exitCode: 1, error: new Error('boom') }, ctx)).toMatchObject({
      state: 'failed',
      error_code: 'worker_exit',
      error: "the job's worker crashed: boom",
    });
    expect(settleAttempt({ outcome: null, exitCode: 0, error: null }, ctx)).toMatchObject({
      state: 'failed',
      error_code: 'worker_exit',
      exit_code: 0,
    });
  });

  it('a worker that could not run for lack of file descriptors is a spawn failure saying so (retried like any failure)', () => {
    const emfile = Object.assign(new Error('EMFILE: too many open files, uv_pipe_open'), { code: 'EMFILE' });
    expect(settleAttempt({ outcome: null, exitCode: 1, error: emfile }, ctx)).toMatchObject({
      state: 'failed',
      error_code: 'spawn',
      error:
        "the job's worker could not run: too many open files: Jobtray reached its limit of open file descriptors (ulimit -n); too many connections to its Local API can cause this [EMFILE]",
    });
    expect(settleAttempt({ outcome: null, exitCode: 1, error: new Error('Worker failed: ENFILE') }, ctx)).toMatchObject(
      { error_code: 'spawn', error: expect.stringContaining('system-wide limit') },
    );
  });

  it('builds the patch with finish time and duration', () => {
    expect(settlementPatch(settleAttempt(ok, ctx), 1_000, 4_500)).toMatchObject({
      state: 'succeeded',
      finished_at: 4_500,
      duration_ms: 3_500,
    });
    expect(settlementPatch(settleAttempt(ok, ctx), null, 4_500).duration_ms).toBeNull();
  });
});
