import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { LogLine, RunOutcomePoint, RunRecord } from '../../contract/model.js';
import { useHealthStore } from '../../renderer/src/stores/health-store.js';
import { useHistoryStore } from '../../renderer/src/stores/history-store.js';
import { useJobsStore } from '../../renderer/src/stores/jobs-store.js';
import { useLogsStore } from '../../renderer/src/stores/logs-store.js';
import { useRunsStore } from '../../renderer/src/stores/runs-store.js';
import { useSyncStore } from '../../renderer/src/stores/sync-store.js';
import { health, jobView, run } from './helpers/data.js';
import { FakeBridge, makeTestApp } from './helpers/fake-bridge.js';

const CONFIG = { file: '/data/jobs.yaml', errors: [], loaded_at: 1, applied_at: 1 };

/** A bridge answering the initial loads of every store. */
function loadedBridge(): FakeBridge {
  return new FakeBridge()
    .answer('health:get', health())
    .answer('config:get', CONFIG)
    .answer('jobs:list', { jobs: [jobView('alpha'), jobView('beta', { health: 'running', active_run_ids: [5] })] })
    .answer('jobs:sparklines', { jobs: { alpha: [{ id: 1, state: 'succeeded', duration_ms: 100, finished_at: 10 }] } })
    .answer('runs:list', ({ state }) => ({
      runs: state === 'running' ? [run(5, { state: 'running', job_id: 'beta' })] : [],
      next_cursor: null,
    }));
}

function line(seq: number, patch: Partial<LogLine> = {}): LogLine {
  return {
    run_id: 9,
    seq,
    ts: 1_700_000_000_000 + seq,
    stream: 'stdout',
    level: 'info',
    message: `line ${seq}`,
    ...patch,
  };
}

describe('stores kept current by pushed events', () => {
  it('sync: loads every store once the stream is open, marks data stale while it is down, reloads on stream:reset', async () => {
    const bridge = loadedBridge();
    const app = makeTestApp(bridge);
    const { sync, jobs, runs } = app.run(() => ({ sync: useSyncStore(), jobs: useJobsStore(), runs: useRunsStore() }));
    sync.start();
    expect(bridge.calls).toEqual([]);
    bridge.setConnection('connected');
    await flushPromises();
    expect(sync.live).toBe(true);
    expect(jobs.list.map((j) => j.id)).toEqual(['alpha', 'beta']);
    expect(runs.pendingByJob.get('beta')?.map((r) => r.id)).toEqual([5]);
    expect(bridge.callsOf('jobs:list')).toHaveLength(1);

    bridge.setConnection('reconnecting');
    expect(sync.live).toBe(false);
    // Back with the missed events replayed: nothing to reload.
    bridge.setConnection('connected');
    await flushPromises();
    expect(sync.live).toBe(true);
    expect(bridge.callsOf('jobs:list')).toHaveLength(1);

    // The server could not replay (it restarted): everything is read again.
    bridge.answer('jobs:list', { jobs: [jobView('gamma')] });
    bridge.reset('unknown event id (the server restarted)');
    await flushPromises();
    expect(bridge.callsOf('jobs:list')).toHaveLength(2);
    expect(jobs.list.map((j) => j.id)).toEqual(['gamma']);
  });

  it('jobs: the list loads first; the sparklines follow, keeping points that events added meanwhile', async () => {
    let answerSparklines: (value: { jobs: Record<string, RunOutcomePoint[]> }) => void = () => {};
    const bridge = loadedBridge().answer(
      'jobs:sparklines',
      () => new Promise((resolve) => (answerSparklines = resolve)),
    );
    const jobs = makeTestApp(bridge).run(() => useJobsStore());
    jobs.setUp();
    await jobs.load();
    expect(jobs.loaded).toBe(true);
    expect(jobs.sparklinesLoaded).toBe(false);
    expect(bridge.calls.map((c) => c.name)).toEqual(['jobs:list', 'jobs:sparklines']);
    bridge.emit('run:state', run(7, { job_id: 'alpha', state: 'succeeded', duration_ms: 70, finished_at: 70 }));
    answerSparklines({ jobs: { alpha: [{ id: 1, state: 'failed', duration_ms: 10, finished_at: 10 }] } });
    await flushPromises();
    expect(jobs.sparklinesLoaded).toBe(true);
    expect(jobs.sparklines.get('alpha')?.map((p) => p.id)).toEqual([1, 7]);
  });

  it('jobs: job:state replaces a job, job:removed drops it, run:state adds finished runs to its sparkline', async () => {
    const bridge = loadedBridge();
    const jobs = makeTestApp(bridge).run(() => useJobsStore());
    jobs.setUp();
    await jobs.load();
    bridge.emit('job:state', jobView('alpha', { health: 'failing' }));
    bridge.emit('job:state', jobView('delta'));
    expect(jobs.byId.get('alpha')?.health).toBe('failing');
    expect(jobs.list.map((j) => j.id)).toEqual(['alpha', 'beta', 'delta']);
    bridge.emit('job:removed', { job_id: 'beta' });
    expect(jobs.list.map((j) => j.id)).toEqual(['alpha', 'delta']);

    bridge.emit('run:state', run(2, { job_id: 'alpha', state: 'running' }));
    bridge.emit('run:state', run(3, { job_id: 'alpha', state: 'skipped' }));
    bridge.emit('run:state', run(2, { job_id: 'alpha', state: 'failed', duration_ms: 250, finished_at: 20 }));
    bridge.emit('run:state', run(2, { job_id: 'alpha', state: 'failed', duration_ms: 250, finished_at: 20 }));
    expect(jobs.sparklines.get('alpha')).toEqual([
      { id: 1, state: 'succeeded', duration_ms: 100, finished_at: 10 },
      { id: 2, state: 'failed', duration_ms: 250, finished_at: 20 },
    ]);
  });

  it('jobs: a job changed by an event while the list was loading keeps the newer view', async () => {
    const bridge = loadedBridge();
    const jobs = makeTestApp(bridge).run(() => useJobsStore());
    jobs.setUp();
    let release: () => void = () => {};
    bridge.answer(
      'jobs:list',
      () => new Promise((resolve) => (release = () => resolve({ jobs: [jobView('alpha', { health: 'ok' })] }))),
    );
    const loading = jobs.load();
    await flushPromises();
    bridge.emit('job:state', jobView('alpha', { health: 'running' }));
    release();
    await loading;
    expect(jobs.byId.get('alpha')?.health).toBe('running');
  });

  it('runs: only the pending states the jobs show are asked for', async () => {
    const bridge = loadedBridge();
    const runs = makeTestApp(bridge).run(() => useRunsStore());
    runs.setUp();
    await runs.load([jobView('alpha'), jobView('beta', { health: 'disabled' })]);
    expect(bridge.callsOf('runs:list')).toEqual([{ state: 'retry_scheduled', limit: 500 }]);
    await runs.load([
      jobView('alpha', { health: 'running', active_run_ids: [5] }),
      jobView('beta', { health: 'retrying' }),
    ]);
    expect(bridge.callsOf('runs:list').slice(1)).toEqual([
      { state: 'queued', limit: 500 },
      { state: 'running', limit: 500 },
      { state: 'retry_scheduled', limit: 500 },
    ]);
    expect([...runs.pending.keys()]).toEqual([5]);
    await runs.load([jobView('alpha')]);
    expect(bridge.callsOf('runs:list')).toHaveLength(4);
    expect(runs.pending.size).toBe(0);

    // Progress reported while the pending runs load: the loaded run is kept (the event has no whole run).
    const answers: ((page: { runs: RunRecord[]; next_cursor: null }) => void)[] = [];
    bridge.answer('runs:list', () => new Promise((resolve) => answers.push(resolve)));
    const loading = runs.load([jobView('alpha', { health: 'running', active_run_ids: [8] })]);
    bridge.emit('run:progress', { run_id: 8, job_id: 'alpha', progress: 30, step: 'a' });
    const [queued, running] = answers;
    queued!({ runs: [], next_cursor: null });
    running!({ runs: [run(8, { job_id: 'alpha', state: 'running', progress: 20 })], next_cursor: null });
    await loading;
    expect(runs.pendingByJob.get('alpha')?.map((r) => r.id)).toEqual([8]);
  });

  it('runs: pending runs follow run:state and run:progress; the open run and its retry chain too', async () => {
    const bridge = loadedBridge();
    const runs = makeTestApp(bridge).run(() => useRunsStore());
    runs.setUp();
    await runs.load([]);
    bridge.emit('run:state', run(6, { job_id: 'alpha', state: 'running', started_at: 5 }));
    bridge.emit('run:progress', { run_id: 6, job_id: 'alpha', progress: 40, step: 'Importing' });
    expect(runs.pendingByJob.get('alpha')?.[0]).toMatchObject({ id: 6, progress: 40, step: 'Importing' });

    bridge
      .answer('runs:get', run(6, { job_id: 'alpha', state: 'running' }))
      .answer('runs:chain', { runs: [run(6, { job_id: 'alpha', state: 'running' })] })
      .answer('runs:artifacts', { artifacts: [] });
    await runs.openRun(6);
    bridge.emit('run:progress', { run_id: 6, job_id: 'alpha', progress: 80, step: 'Writing' });
    expect(runs.detail?.run).toMatchObject({ progress: 80, step: 'Writing' });
    bridge.emit('run:state', run(6, { job_id: 'alpha', state: 'failed', attempt: 1, max_attempts: 2 }));
    bridge.emit(
      'run:state',
      run(7, { job_id: 'alpha', state: 'retry_scheduled', attempt: 2, max_attempts: 2, root_run_id: 6, due_at: 99 }),
    );
    expect(runs.detail?.run?.state).toBe('failed');
    expect(runs.detail?.chain.map((r) => [r.id, r.state])).toEqual([
      [6, 'failed'],
      [7, 'retry_scheduled'],
    ]);
    expect(runs.pendingByJob.get('alpha')?.map((r) => r.id)).toEqual([7]);
    bridge.emit('run:state', run(7, { job_id: 'alpha', state: 'succeeded', root_run_id: 6 }));
    expect(runs.pendingByJob.get('alpha')).toBeUndefined();
    // The run's artifacts are read again once it ended.
    expect(bridge.callsOf('runs:artifacts')).toHaveLength(2);
  });

  it('health: health:change, engine:paused, config:error and config:applied', async () => {
    const bridge = loadedBridge();
    const store = makeTestApp(bridge).run(() => useHealthStore());
    store.setUp();
    await store.load();
    expect(store.status).toBe('ok');
    bridge.emit(
      'health:change',
      health({ overall: 'failing', counts: { ...health().counts, failing: 2, running: 1, retrying: 1 } }),
    );
    expect(store.status).toBe('failing');
    expect(store.counts).toEqual({ running: 2, failing: 2, overdue: 0 });
    bridge.emit('health:change', health({ overall: 'running' }));
    bridge.emit('engine:paused', { paused: true });
    expect(store.status).toBe('paused');
    const broken = {
      ...CONFIG,
      errors: [
        { file: '/data/jobs.yaml', line: 4, job_id: 'alpha', index: 0, field: 'schedule.every', message: 'bad' },
      ],
    };
    bridge.emit('config:error', broken);
    expect(store.config?.errors).toHaveLength(1);
    bridge.emit('config:applied', CONFIG);
    expect(store.config?.errors).toEqual([]);
  });

  it('logs: opens at the end, follows run:log in order without duplicates, reads older lines back a page at a time, filters by level on the server', async () => {
    // A 2,500-line log with a warning every 500 lines; lines that come later join `all`.
    const all = Array.from({ length: 2_500 }, (_, i) => line(i + 1, i % 500 === 0 ? { level: 'warn' } : {}));
    const bridge = loadedBridge()
      .answer('runs:get', run(9, { log_count: 2_500 }))
      .answer('runs:logs', ({ after, limit = 500, level }) => {
        const lines = all
          .filter((l) => l.seq > Number(after ?? 0) && (!level || l.level !== 'info'))
          .slice(0, Number(limit));
        return { lines, next_after: lines.length === limit ? lines.at(-1)!.seq : null };
      });
    const logs = makeTestApp(bridge).run(() => useLogsStore());
    logs.setUp();
    // run:log is wanted only while a log is open (over IPC, main forwards it only then).
    expect(bridge.subscribers('run:log')).toBe(0);
    await logs.open(9);
    expect(bridge.subscribers('run:log')).toBe(1);
    expect(logs.visibleCount()).toBe(2_500);
    // Only the newest lines were read.
    expect(bridge.callsOf('runs:logs')).toEqual([{ id: 9, after: 500, limit: 5_000 }]);
    expect(logs.visibleLine(2_499)).toMatchObject({ seq: 2_500, message: 'line 2500' });

    // An older line is read back with its page.
    expect(logs.visibleLine(10)).toBeNull();
    await flushPromises();
    expect(logs.visibleLine(10)).toMatchObject({ seq: 11, message: 'line 11' });
    expect(bridge.callsOf('runs:logs').at(-1)).toEqual({ id: 9, after: 0, limit: 1_000 });

    all.push(line(2_501, { stream: 'stderr', level: 'error' }));
    bridge.emit('run:log', { run_id: 9, job_id: 'alpha', lines: [line(2_500), all.at(-1)!] });
    bridge.emit('run:log', { run_id: 8, job_id: 'alpha', lines: [line(2_502)] });
    expect(logs.visibleCount()).toBe(2_501);
    expect(logs.visibleLine(2_500)).toMatchObject({ seq: 2_501, stream: 'stderr', level: 'error' });

    await logs.setLevel('warn');
    expect(bridge.callsOf('runs:logs').at(-1)).toEqual({ id: 9, after: 0, limit: 5_000, level: 'warn' });
    expect(Array.from({ length: logs.visibleCount() }, (_, i) => logs.visibleLine(i)?.seq)).toEqual([
      1, 501, 1_001, 1_501, 2_001, 2_501,
    ]);
    all.push(line(2_502, { level: 'warn' }), line(2_503));
    bridge.emit('run:log', { run_id: 9, job_id: 'alpha', lines: all.slice(-2) });
    expect(logs.visibleCount()).toBe(7);
    expect(logs.visibleLine(6)?.seq).toBe(2_502);
    await logs.setLevel(null);
    expect(logs.visibleCount()).toBe(2_503);

    // A gap (lines missed) is filled from the server.
    all.push(line(2_504), line(2_505));
    bridge.emit('run:log', { run_id: 9, job_id: 'alpha', lines: [line(2_505)] });
    await flushPromises();
    expect(logs.visibleCount()).toBe(2_505);
    expect(logs.visibleLine(2_503)?.seq).toBe(2_504);

    // Lines stored while no event could carry them (the browser's stream reopening to follow them) are read once the run ends.
    all.push(line(2_506), line(2_507));
    bridge.emit('run:state', run(9, { state: 'running' }));
    bridge.emit('run:state', run(8, { state: 'succeeded' }));
    await flushPromises();
    expect(logs.visibleCount()).toBe(2_505);
    bridge.emit('run:state', run(9, { state: 'succeeded' }));
    await flushPromises();
    expect(logs.visibleCount()).toBe(2_507);
    expect(logs.visibleLine(2_506)?.seq).toBe(2_507);

    // Another run opened: still one subscription; closed: none.
    await logs.open(9);
    expect(bridge.subscribers('run:log')).toBe(1);
    logs.close();
    expect(bridge.subscribers('run:log')).toBe(0);
  });

  it("history: a new run of the job joins the first page; changes replace a run's row", async () => {
    const bridge = loadedBridge()
      .answer('runs:list', { runs: [run(3, { job_id: 'alpha', state: 'succeeded' })], next_cursor: 'Mw' })
      .answer('audit:list', { entries: [] });
    const history = makeTestApp(bridge).run(() => useHistoryStore());
    history.setUp();
    await history.open('alpha');
    bridge.emit('run:state', run(4, { job_id: 'alpha', state: 'queued' }));
    bridge.emit('run:state', run(5, { job_id: 'beta', state: 'queued' }));
    expect(history.page.map((r) => r.id)).toEqual([4, 3]);
    bridge.emit('run:state', run(4, { job_id: 'alpha', state: 'succeeded', finished_at: 9, duration_ms: 5 }));
    expect(history.page[0]?.state).toBe('succeeded');
    expect(history.chartRuns.map((r) => r.id)).toEqual([4, 3]);
  });
});
