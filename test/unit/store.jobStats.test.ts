import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EMPTY_JOB_STATS, type JobView, type RunState } from '../../contract/model.js';
import type { Store } from '../../main/engine/store/index.js';
import { makeTestEngine, waitForRun } from '../helpers/engine.js';
import { makeTempStore, sampleRun } from '../helpers/temp-store.js';

const SINCE = 1_700_000_000_000;
const HOUR = 3_600_000;

/** Records a run of `job` in `state`, created at `created_at`, with `duration_ms`. */
function record(
  store: Store,
  job: string,
  state: RunState,
  created_at: number,
  duration_ms: number | null = null,
): void {
  const run = store.insertRun(sampleRun({ job_id: job, state, created_at }));
  if (duration_ms !== null) store.updateRun(run.id, { duration_ms });
}

describe('Store.jobStats', () => {
  it('counts each outcome of the runs created in the window, per job', () => {
    const { store } = makeTempStore();
    record(store, 'sync', 'succeeded', SINCE, 100);
    record(store, 'sync', 'succeeded', SINCE + HOUR, 300);
    record(store, 'sync', 'failed', SINCE + 2 * HOUR, 800);
    record(store, 'sync', 'timed_out', SINCE + 3 * HOUR, 1_000);
    record(store, 'sync', 'interrupted', SINCE + 4 * HOUR);
    record(store, 'sync', 'cancelled', SINCE + 5 * HOUR, 400);
    // No outcome: skipped never ran; the others have not ended.
    for (const state of ['skipped', 'queued', 'running', 'retry_scheduled'] as const)
      record(store, 'sync', state, SINCE + HOUR, 9_999);
    // Before the window.
    record(store, 'sync', 'failed', SINCE - 1, 50_000);
    record(store, 'export', 'succeeded', SINCE + HOUR, 2_000);

    expect(Object.fromEntries(store.jobStats(SINCE))).toEqual({
      // failed = failed + timed_out + interrupted; cancelled counts in runs only. avg of 100, 300, 800, 1000, 400.
      sync: { runs: 6, succeeded: 2, failed: 3, avg_duration_ms: 520 },
      export: { runs: 1, succeeded: 1, failed: 0, avg_duration_ms: 2_000 },
    });
    store.close();
  });

  it('leaves out jobs without runs in the window, and gives a null average when no run has a duration', () => {
    const { store } = makeTempStore();
    record(store, 'old', 'succeeded', SINCE - HOUR, 100);
    record(store, 'only-skipped', 'skipped', SINCE + HOUR);
    record(store, 'no-duration', 'interrupted', SINCE + HOUR);

    expect(Object.fromEntries(store.jobStats(SINCE))).toEqual({
      'no-duration': { runs: 1, succeeded: 0, failed: 1, avg_duration_ms: null },
    });
    expect(store.jobStats(SINCE + 2 * HOUR).size).toBe(0);
    store.close();
  });

  it('rounds the average to whole milliseconds', () => {
    const { store } = makeTempStore();
    record(store, 'sync', 'succeeded', SINCE, 1);
    record(store, 'sync', 'succeeded', SINCE, 2);
    expect(store.jobStats(SINCE).get('sync')?.avg_duration_ms).toBe(2);
    store.close();
  });

  it('is backed by the covering runs_job_stats index', () => {
    const { store, path } = makeTempStore();
    store.close();
    // Read through a plain connection, as another tool would.
    const db = new Database(path, { readonly: true });
    try {
      const indexes = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'")
        .pluck()
        .all();
      expect(indexes).toContain('runs_job_stats');
      const columns = db.prepare("SELECT name FROM pragma_index_info('runs_job_stats') ORDER BY seqno").pluck().all();
      expect(columns).toEqual(['job_id', 'created_at', 'state', 'duration_ms']);
    } finally {
      db.close();
    }
  });
});

const JOBS = `
jobs:
  - id: fine
    script: jobs/fine.mjs
  - id: broken
    script: jobs/broken.mjs
  - id: idle
    script: jobs/fine.mjs
`;
const FILES = {
  'jobs/fine.mjs': 'export default async () => "ok";',
  'jobs/broken.mjs': 'export default async () => { throw new Error("boom"); };',
};

describe('engine job views: stats_24h', () => {
  it('lists each job with its 24 h stats, updated as soon as a run ends', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const announced: JobView[] = [];
    engine.events.on('job:state', (view) => announced.push(view));
    expect(engine.listJobs().map((job) => job.stats_24h)).toEqual([EMPTY_JOB_STATS, EMPTY_JOB_STATS, EMPTY_JOB_STATS]);

    const fine = await waitForRun(engine, engine.trigger('fine', { actor: 'api' }).id);
    const broken = await waitForRun(engine, engine.trigger('broken', { actor: 'api' }).id);
    expect([fine.state, broken.state]).toEqual(['succeeded', 'failed']);

    const stats = Object.fromEntries(engine.listJobs().map((job) => [job.id, job.stats_24h]));
    expect(stats).toEqual({
      broken: { runs: 1, succeeded: 0, failed: 1, avg_duration_ms: broken.duration_ms },
      fine: { runs: 1, succeeded: 1, failed: 0, avg_duration_ms: fine.duration_ms },
      idle: EMPTY_JOB_STATS,
    });
    expect(engine.getJob('fine').stats_24h).toEqual(stats.fine);
    // The job:state event announcing the ended run already carries its outcome.
    const lastOfFine = announced.filter((view) => view.id === 'fine').at(-1);
    expect(lastOfFine?.stats_24h).toEqual(stats.fine);
    await engine.close();
  });
});
