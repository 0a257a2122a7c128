import { createRequire } from 'node:module';
import path from 'node:path';
import { createEngine } from '../main/engine/engine.js';
import { silentLogger } from '../main/engine/logger.js';
import { type Bench, measured, nowMs, quantile, tempDir, writeFiles } from './lib.js';

const require = createRequire(import.meta.url);
const Bree = require('bree') as new (config: Record<string, unknown>) => {
  start(): Promise<void>;
  stop(): Promise<void>;
  on(event: 'worker created', listener: (name: string) => void): void;
};

const FIRES = Number(process.env.JOBTRAY_BENCH_B4_FIRES ?? 200);
const EVERY_MS = 100;

/** How late each fire was after its slot, where slots are `first + k * EVERY_MS`. */
function lateness(times: number[], first: number): number[] {
  return times.map((t) => {
    const late = t - (first + Math.floor((t - first) / EVERY_MS) * EVERY_MS);
    if (!Number.isFinite(late) || late < 0) throw new Error(`measurement broken: lateness ${late}`);
    return late;
  });
}

/**
 * Bree's interval is a setInterval that Node re-arms from when each callback
 * ran, so it has no fixed grid: each fire's lateness is its gap to the previous
 * fire beyond the interval (fires Bree skipped because the worker was still
 * running are left out).
 */
function intervalLateness(times: number[]): number[] {
  const late: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap < 1.5 * EVERY_MS) late.push(Math.max(0, gap - EVERY_MS));
  }
  if (late.length < times.length / 2)
    throw new Error(`measurement broken: only ${late.length} of ${times.length} Bree fires were consecutive`);
  return late;
}

/**
 * B4: schedule lateness over 200 fires of an interval schedule: the moment the
 * scheduler decides to run (Jobtray: the run is recorded and announced; Bree:
 * its `worker created` event) after the slot. Same interval, same no-op job.
 */
export const b4: Bench = async () => {
  const dir = tempDir('b4');
  writeFiles(dir, {
    'noop.mjs': 'export default async () => null;',
    'noop-worker.mjs': '// no-op\n',
    'jobs.yaml': `jobs:\n  - { id: tick, script: noop.mjs, schedule: { every: ${EVERY_MS}ms } }\n`,
  });

  // Plain Bree interval job.
  const bree = new Bree({
    root: false,
    logger: false,
    jobs: [{ name: 'tick', path: path.join(dir, 'noop-worker.mjs'), interval: EVERY_MS }],
    workerMessageHandler: () => {},
    errorHandler: () => {},
  });
  const breeTimes: number[] = [];
  let breeDone!: () => void;
  const breeFinished = new Promise<void>((r) => (breeDone = r));
  bree.on('worker created', () => {
    breeTimes.push(nowMs());
    if (breeTimes.length === FIRES) breeDone();
  });
  await bree.start();
  await breeFinished;
  await bree.stop();

  const engine = await createEngine({
    dataDir: path.join(dir, 'data'),
    jobsFile: path.join(dir, 'jobs.yaml'),
    watch: false,
    logger: silentLogger,
  });
  const first = measured('first slot', engine.getJob('tick').next_fire_at ?? 0) - EVERY_MS;
  const times: number[] = [];
  const seen = new Set<number>();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  engine.events.on('run:state', (run) => {
    if (run.trigger !== 'schedule' || seen.has(run.id)) return;
    seen.add(run.id);
    times.push(nowMs());
    if (times.length === FIRES) done();
  });
  await finished;
  await engine.close();

  const ours = lateness(times, first);
  const theirs = intervalLateness(breeTimes);
  const p99 = quantile(ours, 0.99);
  return {
    id: 'B4',
    title: `schedule lateness over ${FIRES} fires of every ${EVERY_MS} ms`,
    rows: [
      {
        metric: 'p50',
        jobtray: quantile(ours, 0.5),
        baseline: quantile(theirs, 0.5),
        baselineLabel: 'plain Bree interval',
        unit: 'ms',
        goal: 'report',
        pass: true,
      },
      {
        metric: 'p99',
        jobtray: p99,
        baseline: quantile(theirs, 0.99),
        baselineLabel: 'plain Bree interval',
        unit: 'ms',
        goal: '≤ 15 ms',
        pass: p99 <= 15,
      },
    ],
    notes: [
      'Lateness is measured when the scheduler acts on a slot: Jobtray has then already recorded the run in SQLite.',
    ],
  };
};
