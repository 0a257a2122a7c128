import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createEngine } from '../main/engine/engine.js';
import { silentLogger } from '../main/engine/logger.js';
import { type Bench, median, measured, nowMs, quantile, tempDir, writeFiles } from './lib.js';

const require = createRequire(import.meta.url);
const Bree = require('bree') as new (config: Record<string, unknown>) => {
  run(name: string): Promise<void>;
  workers: Map<string, Worker>;
  stop(): Promise<void>;
};

const SAMPLES = Number(process.env.JOBTRAY_BENCH_B1_SAMPLES ?? 200);
/** Triggers come from people and schedules, not in a tight loop: a short idle gap between samples. */
const GAP_MS = 30;

const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * B1: trigger to job code start. Jobtray: `engine.trigger()` until the first
 * line of a script job's function runs (it returns that time). Baselines in the
 * same run, interleaved sample by sample: a bare `new Worker()` until its first
 * line runs, and a plain `bree.run()` of such a worker.
 */
export const b1: Bench = async () => {
  const dir = tempDir('b1');
  writeFiles(dir, {
    'job.mjs': 'export default async () => performance.timeOrigin + performance.now();',
    'first-line.mjs':
      "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage(performance.timeOrigin + performance.now());\n",
    'jobs.yaml': 'jobs:\n  - { id: noop, script: job.mjs, overlap: queue }\n',
  });
  const firstLine = path.join(dir, 'first-line.mjs');
  const engine = await createEngine({
    dataDir: path.join(dir, 'data'),
    jobsFile: path.join(dir, 'jobs.yaml'),
    watch: false,
    logger: silentLogger,
  });
  const bree = new Bree({
    root: false,
    logger: false,
    jobs: [{ name: 'first-line', path: firstLine }],
    workerMessageHandler: () => {},
    errorHandler: () => {},
  });

  const bareSample = async () => {
    const t0 = nowMs();
    const worker = new Worker(firstLine);
    const [started] = await Promise.all([
      new Promise<number>((r) => worker.once('message', r)),
      new Promise((r) => worker.once('exit', r)),
    ]);
    return started - t0;
  };
  const breeSample = async () => {
    const t0 = nowMs();
    await bree.run('first-line');
    const worker = bree.workers.get('first-line');
    if (!worker) throw new Error('measurement broken: bree.run started no worker');
    const [started] = await Promise.all([
      new Promise<number>((r) => worker.once('message', r)),
      new Promise((r) => worker.once('exit', r)),
    ]);
    return started - t0;
  };
  const jobtraySample = async () => {
    const t0 = nowMs();
    const run = engine.trigger('noop', { actor: 'api' });
    const done =
      run.state === 'succeeded'
        ? run
        : await engine.events.waitFor('run:state', (r) => r.id === run.id && ['succeeded', 'failed'].includes(r.state));
    if (done.state !== 'succeeded') throw new Error(`measurement broken: run ${run.id} ${done.state}: ${done.error}`);
    return measured('code start', done.result as number) - t0;
  };

  const bare: number[] = [];
  const plainBree: number[] = [];
  const jobtray: number[] = [];
  // Warm-up: module caches, SQLite pages, the JIT.
  for (let i = 0; i < 5; i++) {
    await bareSample();
    await breeSample();
    await jobtraySample();
  }
  for (let i = 0; i < SAMPLES; i++) {
    bare.push(await bareSample());
    await idle(GAP_MS);
    plainBree.push(await breeSample());
    await idle(GAP_MS);
    jobtray.push(await jobtraySample());
    await idle(GAP_MS);
  }
  // Back to back: the next trigger as soon as the previous run ended.
  const backToBack: number[] = [];
  for (let i = 0; i < Math.min(100, SAMPLES); i++) backToBack.push(await jobtraySample());
  await engine.close();
  await bree.stop();

  const bareMedian = measured('bare median', median(bare));
  const jobtrayMedian = measured('jobtray median', median(jobtray));
  return {
    id: 'B1',
    title: `trigger to job code start (${SAMPLES} runs each, interleaved, ${GAP_MS} ms apart)`,
    rows: [
      {
        metric: 'median',
        jobtray: jobtrayMedian,
        baseline: bareMedian,
        baselineLabel: 'bare new Worker()',
        unit: 'ms',
        goal: '≤ 1.15× bare',
        pass: jobtrayMedian <= 1.15 * bareMedian,
      },
      {
        metric: 'p95',
        jobtray: quantile(jobtray, 0.95),
        baseline: quantile(bare, 0.95),
        baselineLabel: 'bare new Worker()',
        unit: 'ms',
        goal: '≤ 1.15× bare',
        pass: quantile(jobtray, 0.95) <= 1.15 * quantile(bare, 0.95),
      },
      {
        metric: 'median vs Bree',
        jobtray: jobtrayMedian,
        baseline: median(plainBree),
        baselineLabel: 'plain bree.run',
        unit: 'ms',
        goal: 'report',
        pass: true,
      },
      {
        metric: 'median, back to back',
        jobtray: median(backToBack),
        baseline: bareMedian,
        baselineLabel: 'bare new Worker()',
        unit: 'ms',
        goal: 'report',
        pass: true,
      },
    ],
    notes: [
      'Jobtray includes recording the run (SQLite insert + update), Bree, the worker entry and importing the job module.',
      'Jobtray keeps one worker started ahead of time while runs happen, so a trigger skips thread start-up; back to back, the spare is still booting when the next trigger comes.',
    ],
  };
};
