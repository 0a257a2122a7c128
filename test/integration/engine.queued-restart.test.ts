import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/model.js';
import type { Engine } from '../../main/engine/engine.js';
import { eventually, isAlive, makeDataDir, makeTestEngine, waitForRun, writeFiles } from '../helpers/engine.js';
import { hostAndTrigger } from '../helpers/engine-host.js';

// `blocker` holds the one slot (max_concurrent_runs: 1) until it is stopped;
// the others append their `tag` param to order.txt (in the data dir, the
// jobs file's folder), so the file shows the order they ran in. `normal` has
// retries (an attempt must not be burned) and queues behind its own runs.
const JOBS = `
jobs:
  - id: blocker
    command: [sh, -c, 'sleep 1000 & echo "pids $$ $!"; wait']
  - id: normal
    command: [sh, -c, 'echo "$JOBTRAY_PARAM_TAG" >> order.txt']
    params: { tag: { type: string } }
    retries: { max: 2, delay: 1s }
    overlap: queue
  - id: low
    command: [sh, -c, 'echo "$JOBTRAY_PARAM_TAG" >> order.txt']
    params: { tag: { type: string } }
    priority: low
  - id: high
    command: [sh, -c, 'echo "$JOBTRAY_PARAM_TAG" >> order.txt']
    params: { tag: { type: string } }
    priority: high
`;
const SETTINGS = { max_concurrent_runs: 1 };
/** Triggered in this order behind the blocker; they must run by priority, then age. */
const QUEUED = [
  { job: 'normal', tag: 'n1' },
  { job: 'low', tag: 'l1' },
  { job: 'high', tag: 'h1' },
  { job: 'normal', tag: 'n2' },
];
const EXPECTED_ORDER = ['h1', 'n1', 'n2', 'l1'];

/** Waits for the queued runs to end after a restart; checks they ran once each, in order, with their params. */
async function expectRanInOrder(engine: Engine, runIds: number[]): Promise<void> {
  const done: RunRecord[] = [];
  for (const id of runIds) done.push(await waitForRun(engine, id));
  done.forEach((run, i) => {
    expect(run).toMatchObject({
      job_id: QUEUED[i]!.job,
      state: 'succeeded',
      params: { tag: QUEUED[i]!.tag },
      attempt: 1,
      trigger: 'manual',
    });
  });
  expect(fs.readFileSync(path.join(engine.dataDir, 'order.txt'), 'utf8').split('\n').filter(Boolean)).toEqual(
    EXPECTED_ORDER,
  );
  // No attempt was burned: one run per trigger, no retry.
  for (const job of ['normal', 'low', 'high']) {
    expect(
      engine
        .listRuns({ job_id: job })
        .runs.map((r) => r.id)
        .sort(),
    ).toEqual(runIds.filter((_, i) => QUEUED[i]!.job === job).sort());
  }
}

describe('queued runs across restarts', () => {
  it('survive a clean close: they stay queued and run after the restart in priority, then age order, with their params', async () => {
    const first = await makeTestEngine({ jobs: JOBS, settings: SETTINGS });
    const blocker = first.engine.trigger('blocker', { actor: 'ui' });
    await waitForRun(first.engine, blocker.id, ['running']);
    const runIds = QUEUED.map(({ job, tag }) => first.engine.trigger(job, { actor: 'ui', params: { tag } }).id);
    for (const id of runIds) expect(first.engine.getRun(id).state).toBe('queued');
    await first.engine.close();

    const { engine } = await makeTestEngine({ jobs: JOBS, dataDir: first.dataDir, settings: SETTINGS });
    // Only the run that was running was interrupted.
    expect(engine.getRun(blocker.id)).toMatchObject({ state: 'interrupted', error_code: 'interrupted' });
    await expectRanInOrder(engine, runIds);
    await engine.close();
  });

  it('survive a kill -9 of the engine process: only the running run is interrupted', async () => {
    const dataDir = makeDataDir();
    writeFiles(dataDir, { 'jobs.yaml': JOBS });
    const triggers = ['blocker', ...QUEUED.map(({ job, tag }) => `${job}=${JSON.stringify({ tag })}`)];
    const { host, runIds, pids, exited } = await hostAndTrigger(dataDir, triggers, SETTINGS);
    host.kill('SIGKILL');
    await exited;
    const [blockerId, ...queuedIds] = runIds;

    const { engine } = await makeTestEngine({ jobs: JOBS, dataDir, settings: SETTINGS });
    expect(engine.getRun(blockerId!)).toMatchObject({
      state: 'interrupted',
      error: 'Jobtray stopped while the run was running',
    });
    await eventually(() => pids.every((p) => !isAlive(p)), "the blocker's orphaned processes to be killed", 5_000);
    await expectRanInOrder(engine, queuedIds);
    await engine.close();
  });

  it('a manual run of a job without retries, created while paused, survives a restart and runs on resume', async () => {
    const first = await makeTestEngine({ jobs: JOBS });
    first.engine.pause('ui');
    const run = first.engine.trigger('low', { actor: 'ui', params: { tag: 'paused' } });
    expect(run.state).toBe('queued');
    await first.engine.close();

    const { engine } = await makeTestEngine({ jobs: JOBS, dataDir: first.dataDir });
    expect(engine.isPaused()).toBe(true);
    expect(engine.getRun(run.id).state).toBe('queued');
    expect(engine.getJob('low').health).not.toBe('failing');
    engine.resume('ui');
    expect(await waitForRun(engine, run.id)).toMatchObject({
      state: 'succeeded',
      attempt: 1,
      params: { tag: 'paused' },
    });
    expect(fs.readFileSync(path.join(engine.dataDir, 'order.txt'), 'utf8')).toBe('paused\n');
    await engine.close();
  });
});
