import { describe, expect, it } from 'vitest';
import type { Engine } from '../../main/engine/engine.js';
import { eventually, isAlive, makeTestEngine, waitForRun } from '../helpers/engine.js';

// A command job whose shell ignores SIGTERM (and so do its children, which
// inherit the ignored signal), with a grandchild in its process group and one
// that left the group with setsid. It prints all their pids.
const STUBBORN = `
jobs:
  - id: stubborn
    command:
      - sh
      - -c
      - |
        trap '' TERM
        sleep 1000 &
        a=$!
        setsid sleep 1000 &
        b=$!
        echo "pids $$ $a $b"
        echo "::progress 10 waiting"
        wait
    timeout: 1s
  - id: stubborn-no-timeout
    command: [sh, -c, "trap '' TERM; sleep 1000 & echo \\"pids $$ $!\\"; wait"]
  - id: polite-script
    script: polite.mjs
    timeout: 300ms
  - id: deaf-script
    script: deaf.mjs
    timeout: 300ms
`;
const FILES = {
  'polite.mjs': `export default (ctx) => new Promise((resolve, reject) => {
    ctx.signal.addEventListener('abort', () => reject(new Error('stopped because ' + ctx.signal.reason)));
  });`,
  'deaf.mjs': `export default () => { const end = Date.now() + 60_000; while (Date.now() < end) {} };`,
};

async function pidsOf(engine: Engine, runId: number): Promise<number[]> {
  return eventually(() => {
    const line = engine.getRunLogs(runId).lines.find((l) => l.message.startsWith('pids '));
    return line ? line.message.split(' ').slice(1).map(Number) : null;
  }, `run ${runId} to print its pids`);
}

describe('stopping runs', () => {
  it('a timeout kills the whole process tree of a command job that ignores SIGTERM', async () => {
    const { engine } = await makeTestEngine({ jobs: STUBBORN, settings: { kill_grace_ms: 300 } });
    const run = engine.trigger('stubborn', { actor: 'ui' });
    const pids = await pidsOf(engine, run.id);
    expect(pids).toHaveLength(3);
    expect(pids.every(isAlive)).toBe(true);
    const done = await waitForRun(engine, run.id);
    expect(done).toMatchObject({ state: 'timed_out', error_code: 'timeout', error: 'timed out after 1s' });
    await eventually(() => pids.every((p) => !isAlive(p)), 'every process of the tree to be gone', 3000);
    const messages = engine.getRunLogs(run.id).lines.map((l) => l.message);
    expect(messages.some((m) => m.startsWith('timed out after 1s'))).toBe(true);
    expect(messages.some((m) => m.startsWith('did not stop within'))).toBe(true);
    await engine.close();
  });

  it('cancel does the same, and is recorded with who asked', async () => {
    const { engine } = await makeTestEngine({ jobs: STUBBORN, settings: { kill_grace_ms: 300 } });
    const run = engine.trigger('stubborn-no-timeout', { actor: 'ui' });
    const pids = await pidsOf(engine, run.id);
    engine.cancel(run.id, 'cli');
    const done = await waitForRun(engine, run.id);
    expect(done).toMatchObject({ state: 'cancelled', reason: 'cancelled by cli' });
    await eventually(() => pids.every((p) => !isAlive(p)), 'every process of the tree to be gone', 3000);
    expect(() => engine.cancel(run.id, 'cli')).toThrow(/already ended/);
    expect(engine.listAudit({ job_id: 'stubborn-no-timeout' }).map((a) => a.action)).toContain('run:cancel');
    await engine.close();
  });

  it('closing the engine stops running command jobs, leaves no process and records them interrupted', async () => {
    const { engine } = await makeTestEngine({ jobs: STUBBORN, settings: { kill_grace_ms: 300 } });
    const run = engine.trigger('stubborn-no-timeout', { actor: 'ui' });
    const pids = await pidsOf(engine, run.id);
    await engine.close();
    await eventually(() => pids.every((p) => !isAlive(p)), 'every process of the tree to be gone', 3000);
    const { engine: again } = await makeTestEngine({ jobs: STUBBORN, dataDir: engine.dataDir });
    expect(again.getRun(run.id)).toMatchObject({ state: 'interrupted', error_code: 'interrupted' });
    await again.close();
  });

  it('a forced close skips the rest of the grace period of a close under way', async () => {
    const { engine } = await makeTestEngine({ jobs: STUBBORN, settings: { kill_grace_ms: 60_000 } });
    const run = engine.trigger('stubborn-no-timeout', { actor: 'ui' });
    const pids = await pidsOf(engine, run.id);
    const interrupted = waitForRun(engine, run.id);
    const stopping = engine.events.waitFor(
      'run:log',
      (e) => e.run_id === run.id && e.lines.some((l) => l.message === 'engine shutting down; stopping'),
    );
    const graceful = engine.close();
    await stopping;
    expect(pids.every(isAlive)).toBe(true);
    await engine.close({ force: true });
    await graceful;
    expect(await interrupted).toMatchObject({ state: 'interrupted', error_code: 'interrupted' });
    await eventually(() => pids.every((p) => !isAlive(p)), 'every process of the tree to be gone', 3000);
  });

  it('a script job sees its AbortSignal on timeout; one that ignores it is terminated after the grace period', async () => {
    const { engine } = await makeTestEngine({ jobs: STUBBORN, files: FILES, settings: { kill_grace_ms: 300 } });
    const polite = await waitForRun(engine, engine.trigger('polite-script', { actor: 'ui' }).id);
    expect(polite).toMatchObject({ state: 'timed_out', error: 'timed out after 300ms' });
    const deaf = await waitForRun(engine, engine.trigger('deaf-script', { actor: 'ui' }).id);
    expect(deaf.state).toBe('timed_out');
    expect(deaf.duration_ms!).toBeLessThan(10_000);
    expect(engine.getRunLogs(deaf.id).lines.some((l) => l.message.startsWith('did not stop within'))).toBe(true);
    await engine.close();
  });
});
