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

/** The command of the command jobs, and of the Bree baseline's worker. */
const COMMAND = ['sh', '-c', 'echo hi'];

/**
 * B2: 1,000 manual runs end to end, each recorded in SQLite (created,
 * running, finished), vs a plain Bree loop with the same concurrency (add,
 * run, wait for exit, remove): no-op script jobs vs the same no-op worker,
 * and command jobs vs a worker per run that spawns the same command.
 */
export const b2: Bench = async () => {
  const dir = tempDir('b2');
  const jobs = Array.from(
    { length: JOBS },
    (_, i) =>
      `  - { id: noop-${i}, script: noop.mjs, overlap: queue }\n  - { id: cmd-${i}, command: ${JSON.stringify(COMMAND)}, overlap: queue }`,
  ).join('\n');
  const [command, ...args] = COMMAND;
  writeFiles(dir, {
    'noop.mjs': 'export default async () => null;',
    'noop-worker.mjs': '// a no-op worker: it ends when its module has run\n',
    'command-worker.mjs': `import { spawn } from 'node:child_process';
// The command, as a worker per run would start it: its output read, its end awaited.
const child = spawn(${JSON.stringify(command)}, ${JSON.stringify(args)}, { stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.resume();
child.stderr.resume();
const code = await new Promise((resolve) => child.once('close', resolve));
if (code !== 0) throw new Error('the command exited with ' + code);
`,
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
  const breeBatch = async (entry: string, count: number): Promise<number> => {
    let left = count;
    const lane = async () => {
      while (left > 0) {
        left -= 1;
        const name = `run-${named++}`;
        await bree.add({ name, path: path.join(dir, entry) });
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
  const jobtrayBatch = async (prefix: string, count: number): Promise<number> => {
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
    for (let i = 0; i < count; i++) engine.trigger(`${prefix}-${triggered++ % JOBS}`, { actor: 'api' });
    await allDone;
    return nowMs() - start;
  };

  // This machine is shared and noisy: both sides run in alternating rounds so drift hits them alike.
  const ms = { breeScript: 0, jobtrayScript: 0, breeCommand: 0, jobtrayCommand: 0 };
  const perRound = Math.ceil(RUNS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    ms.breeScript += await breeBatch('noop-worker.mjs', perRound);
    ms.jobtrayScript += await jobtrayBatch('noop', perRound);
    ms.breeCommand += await breeBatch('command-worker.mjs', perRound);
    ms.jobtrayCommand += await jobtrayBatch('cmd', perRound);
  }
  const rate = (side: keyof typeof ms) => measured(`${side} rate`, (perRound * ROUNDS) / (ms[side] / 1000));
  const persisted = engine.listRuns({ state: 'succeeded', limit: 500 }).runs;
  if (persisted.length !== Math.min(500, 2 * perRound * ROUNDS) || persisted.some((r) => r.finished_at === null))
    throw new Error('measurement broken: runs not persisted');
  await engine.close();
  await bree.stop();

  return {
    id: 'B2',
    title: `${RUNS} manual runs end to end, script and command jobs (${JOBS} jobs each, ${CONCURRENCY} at a time, ${ROUNDS} alternating rounds per side)`,
    rows: [
      {
        metric: 'runs per second, no-op script jobs',
        jobtray: rate('jobtrayScript'),
        baseline: rate('breeScript'),
        baselineLabel: 'plain Bree loop',
        unit: 'runs/s',
        goal: '≥ 0.8× Bree',
        pass: rate('jobtrayScript') >= 0.8 * rate('breeScript'),
      },
      {
        metric: `runs per second, command jobs (${COMMAND.join(' ')})`,
        jobtray: rate('jobtrayCommand'),
        baseline: rate('breeCommand'),
        baselineLabel: 'plain Bree loop, a worker per run spawning it',
        unit: 'runs/s',
        goal: '≥ 2× Bree',
        pass: rate('jobtrayCommand') >= 2 * rate('breeCommand'),
      },
    ],
    notes: [
      "Jobtray records every run in SQLite (insert, running, finished) and announces every transition, and stores each command run's output line; the Bree loop records nothing.",
      'Script jobs keep a fresh worker per attempt; command jobs run in the command supervisor (one long-lived worker).',
    ],
  };
};
