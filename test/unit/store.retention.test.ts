import { describe, expect, it } from 'vitest';
import type { RunState } from '../../contract/model.js';
import { useTempStore, sampleRun } from '../helpers/temp-store.js';

const temp = useTempStore();

const NOW = 1_750_000_000_000;
const DAY = 86_400_000;

/** A run of `job` that ended `daysAgo` days before NOW (null finished_at: only created then). */
function run(job: string, state: RunState, daysAgo: number, finished = true): number {
  const at = NOW - daysAgo * DAY;
  return temp.store.insertRun(
    sampleRun({ job_id: job, state, created_at: at - 1_000, ...(finished ? { finished_at: at } : {}) }),
  ).id;
}

function withLogAndArtifact(id: number): number {
  temp.store.appendLogs(id, [{ ts: NOW, stream: 'stdout', level: 'info', message: `run ${id}` }], 100);
  temp.store.insertArtifact({
    run_id: id,
    name: 'out.csv',
    size: 1,
    sha256: '0'.repeat(64),
    path: `artifacts/${id}/out.csv`,
    media_type: 'text/csv',
    created_at: NOW,
  });
  return id;
}

function surviving(ids: number[]): number[] {
  return ids.filter((id) => temp.store.getRun(id) !== null);
}

describe('store.applyRetention', () => {
  it('deletes terminal runs older than max_age_days with their logs and artifacts, returning artifact paths', () => {
    const old1 = withLogAndArtifact(run('a', 'succeeded', 100));
    const old2 = withLogAndArtifact(run('a', 'failed', 95));
    const oldSkipped = run('a', 'skipped', 120, false); // no finished_at: judged by created_at
    const recent = run('a', 'succeeded', 10);
    const oldActive = [
      run('a', 'queued', 200, false),
      run('a', 'running', 200, false),
      run('a', 'retry_scheduled', 200, false),
    ];

    const result = temp.store.applyRetention({ max_age_days: 90, max_runs_per_job: 0, now: NOW });
    expect(result.deleted_runs).toBe(3);
    expect(result.artifact_paths.sort()).toEqual([`artifacts/${old1}/out.csv`, `artifacts/${old2}/out.csv`]);
    expect(surviving([old1, old2, oldSkipped, recent, ...oldActive])).toEqual([recent, ...oldActive]);
    // Logs and artifacts went with their runs.
    expect(temp.store.listArtifacts(old1)).toEqual([]);
    expect(() => temp.store.getLogs(old1, {})).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('keeps the newest finished run of a job however old', () => {
    const older = run('b', 'failed', 300);
    const newestFinished = run('b', 'succeeded', 200);
    const skippedAfter = run('b', 'skipped', 150);
    const result = temp.store.applyRetention({ max_age_days: 30, max_runs_per_job: 0, now: NOW });
    expect(result.deleted_runs).toBe(2);
    expect(surviving([older, newestFinished, skippedAfter])).toEqual([newestFinished]);
    expect(temp.store.latestFinishedRun('b')?.id).toBe(newestFinished);
  });

  it('keeps the newest max_runs_per_job terminal runs of each job', () => {
    const a = Array.from({ length: 10 }, (_, i) => run('a', 'succeeded', 10 - i));
    const b = Array.from({ length: 2 }, (_, i) => run('b', 'failed', 5 - i));
    const aActive = run('a', 'queued', 0, false);
    const result = temp.store.applyRetention({ max_age_days: 0, max_runs_per_job: 3, now: NOW, batch: 2 });
    expect(result).toEqual({ deleted_runs: 7, artifact_paths: [] });
    expect(surviving(a)).toEqual(a.slice(-3));
    expect(surviving(b)).toEqual(b);
    expect(surviving([aActive])).toEqual([aActive]);
  });

  it('counts skipped runs but never drops the newest finished one for them', () => {
    const finished = run('c', 'succeeded', 9);
    const skipped = Array.from({ length: 5 }, (_, i) => run('c', 'skipped', 8 - i));
    temp.store.applyRetention({ max_age_days: 0, max_runs_per_job: 2, now: NOW });
    expect(surviving([finished, ...skipped])).toEqual([finished, ...skipped.slice(-2)]);
  });

  it('applies both limits together, in batches', () => {
    const ids = Array.from({ length: 25 }, (_, i) => withLogAndArtifact(run('d', 'succeeded', 50 - i)));
    // Age 40 days drops the 10 oldest (50..41 days ago); count 12 drops 13 oldest; the union is 13.
    const result = temp.store.applyRetention({ max_age_days: 40, max_runs_per_job: 12, now: NOW, batch: 4 });
    expect(result.deleted_runs).toBe(13);
    expect(result.artifact_paths).toEqual(ids.slice(0, 13).map((id) => `artifacts/${id}/out.csv`));
    expect(surviving(ids)).toEqual(ids.slice(13));
  });

  it('does nothing when both limits are 0, and refuses bad limits', () => {
    const id = run('e', 'succeeded', 10_000);
    run('e', 'succeeded', 9_000);
    expect(temp.store.applyRetention({ max_age_days: 0, max_runs_per_job: 0, now: NOW })).toEqual({
      deleted_runs: 0,
      artifact_paths: [],
    });
    expect(surviving([id])).toEqual([id]);
    expect(() => temp.store.applyRetention({ max_age_days: -1, max_runs_per_job: 0, now: NOW })).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining('max_age_days') }),
    );
    expect(() => temp.store.applyRetention({ max_age_days: 1, max_runs_per_job: 0, now: NOW, batch: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
  });
});
