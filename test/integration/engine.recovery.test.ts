import { describe, expect, it } from 'vitest';
import { eventually, isAlive, makeDataDir, makeTestEngine, nextRun, writeFiles } from '../helpers/engine.js';
import { hostAndTrigger } from '../helpers/engine-host.js';

const JOBS = `
jobs:
  - id: long
    command: [sh, -c, 'if [ "$JOBTRAY_ATTEMPT" = 1 ]; then sleep 1000 & echo "pids $$ $!"; wait; fi; echo recovered']
    retries: { max: 1, delay: 100ms, jitter: false }
  - id: no-retry
    command: [sh, -c, 'sleep 1000 & echo "pids $$ $!"; wait']
`;

describe('crash recovery', () => {
  it('after a kill -9 of the engine process mid-run, the run is interrupted, its processes killed, and retried', async () => {
    const dataDir = makeDataDir();
    writeFiles(dataDir, { 'jobs.yaml': JOBS });
    const { host, runIds, pids, exited } = await hostAndTrigger(dataDir, ['long']);
    const runId = runIds[0]!;
    host.kill('SIGKILL');
    await exited;
    // the job's processes outlived the engine (their own process group)
    expect(pids.every(isAlive)).toBe(true);

    const { engine } = await makeTestEngine({ jobs: JOBS, dataDir });
    expect(engine.getRun(runId)).toMatchObject({
      state: 'interrupted',
      error_code: 'interrupted',
      error: 'Jobtray stopped while the run was running',
    });
    await eventually(() => pids.every((p) => !isAlive(p)), 'the orphaned processes of the run to be killed', 5000);
    const retry = await nextRun(engine, (r) => r.job_id === 'long' && r.state === 'succeeded');
    expect(retry).toMatchObject({ trigger: 'retry', attempt: 2, parent_run_id: runId, root_run_id: runId });
    expect(engine.getRunLogs(retry.id).lines.map((l) => l.message)).toContain('recovered');
    await engine.close();
  });

  it('a job without retries stays interrupted, and a pending retry survives a restart with its due time', async () => {
    const dataDir = makeDataDir();
    writeFiles(dataDir, { 'jobs.yaml': JOBS });
    const { host, runIds, exited } = await hostAndTrigger(dataDir, ['no-retry']);
    const runId = runIds[0]!;
    host.kill('SIGKILL');
    await exited;
    const jobs = `
jobs:
  - id: no-retry
    command: [sh, -c, 'exit 0']
  - id: later
    command: [sh, -c, 'exit 1']
    retries: { max: 1, delay: 1s, jitter: false }
`;
    const first = await makeTestEngine({ jobs, dataDir });
    expect(first.engine.getRun(runId).state).toBe('interrupted');
    expect(first.engine.listRuns({ job_id: 'no-retry' }).runs).toHaveLength(1);
    const failed = first.engine.trigger('later', { actor: 'ui' });
    const scheduled = await nextRun(first.engine, (r) => r.job_id === 'later' && r.state === 'retry_scheduled');
    expect(scheduled.parent_run_id).toBe(failed.id);
    await first.engine.close();

    const { engine } = await makeTestEngine({ jobs, dataDir });
    expect(engine.getRun(scheduled.id)).toMatchObject({ state: 'retry_scheduled', due_at: scheduled.due_at });
    const ran = await nextRun(engine, (r) => r.id === scheduled.id && r.state === 'failed');
    expect(ran.started_at!).toBeGreaterThanOrEqual(scheduled.due_at!);
    await engine.close();
  });
});
