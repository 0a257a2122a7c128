import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/model.js';
import { makeTestEngine, nextRun, recordRuns, waitForRun } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: flaky
    script: flaky.mjs
    retries: { max: 3, backoff: fixed, delay: 100ms, jitter: false }
  - id: always-fails
    script: fails.mjs
    retries: { max: 3, backoff: exponential, delay: 100ms, max_delay: 300ms, jitter: false }
  - id: fatal-script
    script: fatal.mjs
    retries: { max: 3, delay: 100ms }
  - id: fatal-by-name
    script: fatal-by-name.mjs
    retries: { max: 3, delay: 100ms }
  - id: fatal-exit
    command: [sh, -c, "exit 2"]
    fatal_exit_codes: [2]
    retries: { max: 3, delay: 100ms }
  - id: exit-3
    command: [sh, -c, "exit 3"]
    fatal_exit_codes: [2]
    retries: { max: 1, delay: 100ms, jitter: false }
  - id: step-one
    script: ok.mjs
    on_success: [step-two]
    on_failure: [cleanup]
  - id: step-two
    script: ok.mjs
  - id: breaks
    script: fails.mjs
    on_success: [step-two]
    on_failure: [cleanup]
  - id: cleanup
    script: ok.mjs
`;
const FILES = {
  'flaky.mjs': `export default async (ctx) => { if (ctx.attempt < 3) throw new Error('flake on attempt ' + ctx.attempt); return 'third time lucky'; };`,
  'fails.mjs': `export default async () => { throw new Error('always'); };`,
  'fatal.mjs': `export default async (ctx) => { throw new ctx.FatalError('credentials revoked'); };`,
  'fatal-by-name.mjs': `export default async () => { class FatalError extends Error { name = 'FatalError'; } throw new FatalError('bad input file'); };`,
  'ok.mjs': `export default async (ctx) => ({ ok: ctx.runId });`,
};

function chainOf(runs: RunRecord[], rootId: number): RunRecord[] {
  const byId = new Map<number, RunRecord>();
  for (const r of runs) if (r.root_run_id === rootId) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

describe('retries', () => {
  it('retries a failing job until it succeeds, recording each attempt with trigger retry', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const first = engine.trigger('flaky', { actor: 'ui' });
    const success = await nextRun(engine, (r) => r.job_id === 'flaky' && r.state === 'succeeded');
    expect(success).toMatchObject({
      attempt: 3,
      trigger: 'retry',
      root_run_id: first.id,
      result: 'third time lucky',
      max_attempts: 4,
    });
    const attempts = engine.listRuns({ job_id: 'flaky' }).runs.reverse();
    expect(attempts.map((r) => [r.attempt, r.state, r.trigger])).toEqual([
      [1, 'failed', 'manual'],
      [2, 'failed', 'retry'],
      [3, 'succeeded', 'retry'],
    ]);
    // fixed backoff: each retry was due `delay` after the attempt before it ended
    for (let i = 1; i < attempts.length; i++) {
      const gap = attempts[i]!.due_at! - attempts[i - 1]!.finished_at!;
      expect(gap).toBeGreaterThanOrEqual(100);
      expect(gap).toBeLessThan(150);
      expect(attempts[i]!.parent_run_id).toBe(attempts[i - 1]!.id);
    }
    await engine.close();
  });

  it('backs off exponentially up to max_delay and stops at max', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const seen = recordRuns(engine);
    const first = engine.trigger('always-fails', { actor: 'ui' });
    await nextRun(engine, (r) => r.root_run_id === first.id && r.attempt === 4 && r.state === 'failed');
    const chain = chainOf(seen, first.id).filter((r) => r.state === 'failed');
    expect(chain.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    const scheduled = seen.filter((r) => r.root_run_id === first.id && r.state === 'retry_scheduled');
    const gaps = scheduled.map((r) => r.due_at! - chain.find((c) => c.id === r.parent_run_id)!.finished_at!);
    expect(gaps.map((g) => Math.round(g / 100) * 100)).toEqual([100, 200, 300]);
    // no fifth attempt
    expect(engine.listRuns({ job_id: 'always-fails' }).runs).toHaveLength(4);
    expect(engine.getJob('always-fails').health).toBe('failing');
    await engine.close();
  });

  it('does not retry a FatalError (ours or any named FatalError) or a fatal exit code', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    for (const id of ['fatal-script', 'fatal-by-name', 'fatal-exit']) {
      const run = await waitForRun(engine, engine.trigger(id, { actor: 'ui' }).id);
      expect(run.state).toBe('failed');
      expect(engine.listRuns({ job_id: id }).runs, id).toHaveLength(1);
    }
    expect(engine.getRun(engine.listRuns({ job_id: 'fatal-script' }).runs[0]!.id)).toMatchObject({
      error_code: 'fatal',
      error: expect.stringContaining('credentials revoked'),
    });
    expect(engine.listRuns({ job_id: 'fatal-exit' }).runs[0]).toMatchObject({ exit_code: 2, error_code: 'exit_code' });
    // a non-fatal exit code is retried
    const first = engine.trigger('exit-3', { actor: 'ui' });
    const last = await nextRun(engine, (r) => r.root_run_id === first.id && r.attempt === 2 && r.state === 'failed');
    expect(last.exit_code).toBe(3);
    await engine.close();
  });

  it('retry now: a failed run gets another attempt with the same params', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const failed = await waitForRun(engine, engine.trigger('fatal-script', { actor: 'ui' }).id);
    const again = engine.retryNow(failed.id, 'api');
    expect(again).toMatchObject({ trigger: 'retry', requested_by: 'api', parent_run_id: failed.id, attempt: 2 });
    expect((await waitForRun(engine, again.id)).state).toBe('failed');
    const ok = await waitForRun(engine, engine.trigger('step-two', { actor: 'ui' }).id);
    expect(() => engine.retryNow(ok.id, 'api')).toThrow(/only failed/);
    // The run's state is checked before its job: a succeeded run of a disabled job says why it cannot be retried.
    engine.setEnabled('step-two', false, 'ui');
    expect(() => engine.retryNow(ok.id, 'api')).toThrow(/only failed/);
    // Disabling stops a job's schedule, not an operator: a failed run of a disabled job is retried by hand.
    engine.setEnabled('fatal-script', false, 'ui');
    const byHand = engine.retryNow(failed.id, 'api');
    expect(byHand).toMatchObject({ trigger: 'retry', parent_run_id: failed.id });
    expect((await waitForRun(engine, byHand.id)).state).toBe('failed');
    await engine.close();
  });
});

describe('chains', () => {
  it('on_success starts the next job with trigger chain; on_failure runs on final failure', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const one = engine.trigger('step-one', { actor: 'ui' });
    const two = await nextRun(engine, (r) => r.job_id === 'step-two' && r.state === 'succeeded');
    expect(two).toMatchObject({ trigger: 'chain', parent_run_id: one.id, requested_by: 'engine' });
    const broken = engine.trigger('breaks', { actor: 'ui' });
    const cleanup = await nextRun(engine, (r) => r.job_id === 'cleanup' && r.state === 'succeeded');
    expect(cleanup).toMatchObject({ trigger: 'chain', parent_run_id: broken.id });
    expect(engine.listRuns({ job_id: 'step-two' }).runs).toHaveLength(1);
    await engine.close();
  });
});
