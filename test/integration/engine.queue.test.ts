import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDataDir, makeTestEngine, nextRun, recordRuns, waitForRun } from '../helpers/engine.js';

// `gate.mjs` runs until the file named by its `gate` param exists, so a test decides when runs end.
const GATE = `import fs from 'node:fs';
export default (ctx) => new Promise((resolve) => {
  const t = setInterval(() => { if (fs.existsSync(ctx.params.gate)) { clearInterval(t); resolve('released'); } }, 10);
});`;

const JOBS = (gate: string) => `
jobs:
  - id: blocker
    script: gate.mjs
    params: { gate: { type: string, default: "${gate}" } }
  - id: skipper
    script: gate.mjs
    overlap: skip
    params: { gate: { type: string, default: "${gate}" } }
  - id: queuer
    script: gate.mjs
    overlap: queue
    params: { gate: { type: string, default: "${gate}" } }
  - id: low
    script: ok.mjs
    priority: low
  - id: normal
    script: ok.mjs
    overlap: queue
  - id: high
    script: ok.mjs
    priority: high
`;

async function setup(settings = {}) {
  const dataDir = makeDataDir();
  const gate = path.join(dataDir, 'release');
  const made = await makeTestEngine({
    dataDir,
    jobs: JOBS(gate),
    files: { 'gate.mjs': GATE, 'ok.mjs': 'export default async () => 1;' },
    settings,
  });
  return { ...made, release: () => fs.writeFileSync(gate, '') };
}

describe('overlap and the concurrency limit', () => {
  it('overlap: skip records a skipped run with the reason', async () => {
    const { engine, release } = await setup();
    const first = engine.trigger('skipper', { actor: 'ui' });
    await waitForRun(engine, first.id, ['running']);
    const second = engine.trigger('skipper', { actor: 'ui' });
    expect(second).toMatchObject({ state: 'skipped', reason: `overlap: run ${first.id} of this job is still running` });
    release();
    expect((await waitForRun(engine, first.id)).state).toBe('succeeded');
    await engine.close();
  });

  it('overlap: queue runs the next one after the current one', async () => {
    const { engine, release } = await setup();
    const first = engine.trigger('queuer', { actor: 'ui' });
    await waitForRun(engine, first.id, ['running']);
    const second = engine.trigger('queuer', { actor: 'ui' });
    expect(second.state).toBe('queued');
    release();
    const a = await waitForRun(engine, first.id);
    const b = await waitForRun(engine, second.id);
    expect(b.state).toBe('succeeded');
    expect(b.started_at!).toBeGreaterThanOrEqual(a.finished_at!);
    await engine.close();
  });

  it('runs beyond the limit wait as queued and start by priority, then age', async () => {
    const { engine, release } = await setup({ max_concurrent_runs: 1 });
    const seen = recordRuns(engine);
    const blocker = engine.trigger('blocker', { actor: 'ui' });
    await waitForRun(engine, blocker.id, ['running']);
    const low = engine.trigger('low', { actor: 'ui' });
    const normal1 = engine.trigger('normal', { actor: 'ui' });
    const high = engine.trigger('high', { actor: 'ui' });
    const normal2 = engine.trigger('normal', { actor: 'ui' });
    for (const r of [low, normal1, high, normal2]) expect(engine.getRun(r.id).state).toBe('queued');
    expect(engine.getJob('high').active_run_ids).toEqual([high.id]);
    release();
    await waitForRun(engine, low.id);
    const startOrder = seen.filter((r) => r.state === 'running').map((r) => r.id);
    expect(startOrder).toEqual([blocker.id, high.id, normal1.id, normal2.id, low.id]);
    // never more than one running at once
    let running = 0;
    let peak = 0;
    for (const r of seen) {
      if (r.state === 'running') peak = Math.max(peak, ++running);
      if (['succeeded', 'failed'].includes(r.state)) running--;
    }
    expect(peak).toBe(1);
    await engine.close();
  });

  it('pause holds queued runs until resume', async () => {
    const { engine } = await setup();
    engine.pause('tray');
    const run = engine.trigger('normal', { actor: 'ui' });
    expect(engine.getRun(run.id).state).toBe('queued');
    expect(engine.health().paused).toBe(true);
    const started = nextRun(engine, (r) => r.id === run.id && r.state === 'succeeded');
    engine.resume('tray');
    expect((await started).state).toBe('succeeded');
    expect(engine.listAudit({}).map((a) => a.action)).toEqual(
      expect.arrayContaining(['engine:pause', 'engine:resume']),
    );
    await engine.close();
  });
});
