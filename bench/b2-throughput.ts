import { createRequire } from 'node:module';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { DEFAULT_SETTINGS } from '../contract/model.js';
import { createEngine } from '../main/engine/engine.js';
import { silentLogger } from '../main/engine/logger.js';
import { type Bench, measured, nowMs, tempDir, writeFiles } from './lib.js';

const require = createRequire(import.meta.url);
const Bree = require('bree') as new (config: Record<string, unknown>) => {
  add(job: Record<string, unknown>): Promise<unknown>;
  run(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  workers: Map<string, Worker>;
  stop(): Promise<void>;
};

const RUNS = Number(process.env.JOBTRAY_BENCH_B2_RUNS ?? 1000);
const JOBS = 8;
const CONCURRENCY = DEFAULT_SETTINGS.max_concurrent_runs;
const ROUNDS = 4;

/**
 * B2: 1,000 no-op manual runs end to end, each recorded in SQLite (created,
 * running, finished), vs a plain Bree loop running the same no-op worker
 * 1,000 times with the same concurrency (add, run, wait for exit, remove).
 */
export const b2: Bench = async () => {
  const dir = tempDir('b2');
  const jobs = Array.from({ length: JOBS }, (_, i) => `  - { id: noop-${i}, script: noop.mjs, overlap: queue }`).join(
    '\n',
  );
  writeFiles(dir, {
    'noop.mjs': 'export default async () => null;',
    'noop-worker.mjs': '// a no-op worker: it ends when its module has run\n',
    'jobs.yaml': `jobs:\n${jobs}\n`,
  });

  // Plain Bree, CONCURRENCY lanes.
  const bree = new Bree({
    root: false,
    logger: false,
    jobs: [],
    workerMessageHandler: () => {},
    errorHandler: () => {},
  });
  let named = 0;
  const breeBatch = async (count: number): Promise<number> => {
    let left = count;
    const lane = async () => {
      while (left > 0) {
        left -= 1;
        const name = `run-${named++}`;
        await bree.add({ name, path: path.join(dir, 'noop-worker.mjs') });
        await bree.run(name);
        const worker = bree.workers.get(name);
        if (worker) await new Promise((r) => worker.once('exit', r));
        await bree.remove(name);
      }
    };
    const start = nowMs();
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    return nowMs() - start;
  };

  const engine = await createEngine({
    dataDir: path.join(dir, 'data'),
    jobsFile: path.join(dir, 'jobs.yaml'),
    watch: false,
    logger: silentLogger,
  });
  let triggered = 0;
  const jobtrayBatch = async (count: number): Promise<number> => {
    let finished = 0;
    const allDone = new Promise<void>((resolve, reject) => {
      const off = engine.events.on('run:state', (run) => {
        if (run.state === 'failed') reject(new Error(`measurement broken: run ${run.id} failed: ${run.error}`));
        if (run.state === 'succeeded' && ++finished === count) {
          off();
          resolve();
        }
      });
    });
    const start = nowMs();
    for (let i = 0; i < count; i++) engine.trigger(`noop-${triggered++ % JOBS}`, { actor: 'api' });
    await allDone;
    return nowMs() - start;
  };

  // This machine is shared and noisy: both sides run in alternating rounds so drift hits them alike.
  let breeMs = 0;
  let jobtrayMs = 0;
  const perRound = Math.ceil(RUNS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    breeMs += await breeBatch(perRound);
    jobtrayMs += await jobtrayBatch(perRound);
  }
  const breeRate = (perRound * ROUNDS) / (breeMs / 1000);
  const jobtrayRate = (perRound * ROUNDS) / (jobtrayMs / 1000);
  const persisted = engine.listRuns({ state: 'succeeded', limit: 500 }).runs;
  if (persisted.length !== Math.min(500, perRound * ROUNDS) || persisted.some((r) => r.finished_at === null))
    throw new Error('measurement broken: runs not persisted');
  await engine.close();
  await bree.stop();

  measured('bree rate', breeRate);
  measured('jobtray rate', jobtrayRate);
  return {
    id: 'B2',
    title: `${RUNS} no-op manual runs end to end (${JOBS} jobs, ${CONCURRENCY} at a time, ${ROUNDS} alternating rounds per side)`,
    rows: [
      {
        metric: 'runs per second',
        jobtray: jobtrayRate,
        baseline: breeRate,
        baselineLabel: 'plain Bree loop',
        unit: 'runs/s',
        goal: '≥ 0.8× Bree',
        pass: jobtrayRate >= 0.8 * breeRate,
      },
    ],
    notes: [
      'Jobtray records every run in SQLite (insert, running, finished) and announces every transition; the Bree loop records nothing.',
    ],
  };
};
