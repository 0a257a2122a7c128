import { describe, expect, it } from 'vitest';
import { JobtrayError } from '../../contract/errors.js';
import type { RunRecord } from '../../contract/model.js';
import { useTempStore, sampleRun } from '../helpers/temp-store.js';

const temp = useTempStore();

describe('store runs', () => {
  it('inserts a run with defaults: own root, created now, nothing else set', () => {
    const before = Date.now();
    const run = temp.store.insertRun(sampleRun({ params: { days_back: 7, dry: false, region: 'eu' } }));
    expect(run).toEqual<RunRecord>({
      id: run.id,
      job_id: 'sample-job',
      trigger: 'manual',
      requested_by: 'ui',
      params: { days_back: 7, dry: false, region: 'eu' },
      state: 'queued',
      attempt: 1,
      max_attempts: 1,
      root_run_id: run.id,
      parent_run_id: null,
      priority: 'normal',
      reason: null,
      created_at: run.created_at,
      due_at: null,
      started_at: null,
      finished_at: null,
      duration_ms: null,
      progress: null,
      step: null,
      exit_code: null,
      signal: null,
      error: null,
      error_code: null,
      result: null,
      pid: null,
      log_count: 0,
      log_truncated: false,
    });
    expect(run.created_at).toBeGreaterThanOrEqual(before);
    expect(temp.store.getRun(run.id)).toEqual(run);
  });

  it('keeps every optional field given at insert', () => {
    const first = temp.store.insertRun(sampleRun());
    const retry = temp.store.insertRun(
      sampleRun({
        trigger: 'retry',
        requested_by: 'engine',
        state: 'retry_scheduled',
        attempt: 2,
        max_attempts: 3,
        parent_run_id: first.id,
        root_run_id: first.id,
        priority: 'high',
        reason: 'attempt 1 failed',
        created_at: 1_700_000_000_000,
        due_at: 1_700_000_030_000,
        started_at: 1_700_000_001_000,
        finished_at: 1_700_000_002_000,
      }),
    );
    expect(retry).toMatchObject({
      trigger: 'retry',
      requested_by: 'engine',
      state: 'retry_scheduled',
      attempt: 2,
      max_attempts: 3,
      parent_run_id: first.id,
      root_run_id: first.id,
      priority: 'high',
      reason: 'attempt 1 failed',
      created_at: 1_700_000_000_000,
      due_at: 1_700_000_030_000,
      started_at: 1_700_000_001_000,
      finished_at: 1_700_000_002_000,
    });
  });

  it('updates every field and round-trips JSON results and booleans', () => {
    const run = temp.store.insertRun(sampleRun());
    const patch = {
      trigger: 'schedule',
      requested_by: 'cli',
      params: { n: 1.5 },
      state: 'failed',
      attempt: 2,
      max_attempts: 4,
      root_run_id: 99,
      parent_run_id: 98,
      priority: 'low',
      reason: 'because',
      created_at: 1,
      due_at: 2,
      started_at: 3,
      finished_at: 4,
      duration_ms: 1,
      progress: 42.5,
      step: 'Importing orders',
      exit_code: 3,
      signal: 'SIGTERM',
      error: 'boom',
      error_code: 'exit_code',
      result: { rows: [1, 2, { nested: true }], note: null },
      pid: 4242,
      log_count: 12,
      log_truncated: true,
    } satisfies Partial<RunRecord>;
    const updated = temp.store.updateRun(run.id, patch);
    expect(updated).toEqual({ ...patch, id: run.id, job_id: run.job_id });
    expect(temp.store.getRun(run.id)).toEqual(updated);
  });

  it('changes only the patched fields and ignores undefined values', () => {
    const run = temp.store.insertRun(sampleRun());
    temp.store.updateRun(run.id, { state: 'running', started_at: 10, pid: 7 });
    const updated = temp.store.updateRun(run.id, { progress: 50, pid: undefined });
    expect(updated).toEqual({ ...run, state: 'running', started_at: 10, pid: 7, progress: 50 });
    // Scalar JSON results survive too.
    expect(temp.store.updateRun(run.id, { result: 'done' }).result).toBe('done');
    expect(temp.store.updateRun(run.id, { result: 0 }).result).toBe(0);
  });

  it('reports an unknown run', () => {
    expect(temp.store.getRun(12345)).toBeNull();
    expect(() => temp.store.updateRun(12345, { state: 'running' })).toThrow(
      expect.objectContaining({ code: 'not_found', message: expect.stringContaining('run 12345') }) as JobtrayError,
    );
  });

  it('finds a run by idempotency key within the window only', () => {
    const run = temp.store.insertRun(sampleRun({ idempotency_key: 'abc', created_at: 1_000 }));
    temp.store.insertRun(sampleRun({ idempotency_key: 'other', created_at: 1_000 }));
    expect(temp.store.findRunByIdempotencyKey('abc', 500)).toEqual(run);
    expect(temp.store.findRunByIdempotencyKey('abc', 1_001)).toBeNull();
    expect(temp.store.findRunByIdempotencyKey('missing', 0)).toBeNull();
    // After the window the key may be used again; the newest wins.
    const again = temp.store.insertRun(sampleRun({ idempotency_key: 'abc', created_at: 90_000_000 }));
    expect(temp.store.findRunByIdempotencyKey('abc', 0)).toEqual(again);
  });

  it('answers the engine queries: states, latest per job, latest finished', () => {
    const s = temp.store;
    const a1 = s.insertRun(sampleRun({ job_id: 'a', state: 'succeeded' }));
    const a2 = s.insertRun(sampleRun({ job_id: 'a', state: 'failed' }));
    const a3 = s.insertRun(sampleRun({ job_id: 'a', state: 'skipped' }));
    const a4 = s.insertRun(sampleRun({ job_id: 'a', state: 'running' }));
    const a5 = s.insertRun(sampleRun({ job_id: 'a', state: 'queued' }));
    const a6 = s.insertRun(sampleRun({ job_id: 'a', state: 'retry_scheduled' }));
    const b1 = s.insertRun(sampleRun({ job_id: 'b', state: 'skipped' }));
    const c1 = s.insertRun(sampleRun({ job_id: 'c', state: 'queued' }));

    expect(s.runsInStates(['queued', 'running']).map((r) => r.id)).toEqual([a4.id, a5.id, c1.id]);
    expect(s.runsInStates([])).toEqual([]);

    // The engine reads a job's latest run as the first row of its run list.
    const latest = (jobId: string) => s.listRuns({ job_id: jobId, limit: 1 }).runs;
    expect(latest('a')).toEqual([a6]);
    expect(latest('b')).toEqual([b1]);
    expect(latest('c')).toEqual([c1]);
    expect(latest('nope')).toEqual([]);

    expect(s.latestFinishedRun('a')).toEqual(a2);
    expect(s.latestFinishedRun('b')).toBeNull();
    expect(s.latestFinishedRun('nope')).toBeNull();

    s.updateRun(a4.id, { state: 'succeeded' });
    expect(s.runsInStates(['queued', 'running']).map((r) => r.id)).toEqual([a5.id, c1.id]);
    expect(s.latestFinishedRun('a')?.id).toBe(a4.id);
    expect(a1.id).toBeLessThan(a3.id);
  });
});
