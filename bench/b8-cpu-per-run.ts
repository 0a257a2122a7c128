import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SETTINGS } from '../contract/model.js';
import type { B8Reply, B8Request } from './b8-child.js';
import { type Bench, measured, ratio, tempDir } from './lib.js';

const RUNS = Number(process.env.JOBTRAY_BENCH_B8_RUNS ?? 1000);
const SCRIPT_RUNS = Number(process.env.JOBTRAY_BENCH_B8_SCRIPT_RUNS ?? 200);
const JOBS = 4;
const CONCURRENCY = DEFAULT_SETTINGS.max_concurrent_runs;
const ROUNDS = 4;
/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ). */
const CLK_TCK = 100;
const CHILD = fileURLToPath(new URL('./b8-child.js', import.meta.url));

function start(args: string[]): Promise<ChildProcess> {
  const child = fork(CHILD, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`measurement broken: b8 child ${args[0]} exited ${code}`)));
  });
}

function round(child: ChildProcess, runs: number): Promise<B8Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`measurement broken: b8 child exited ${code}`));
    child.once('exit', onExit);
    child.once('message', (reply: B8Reply) => {
      child.off('exit', onExit);
      resolve(reply);
    });
    child.send({ runs } satisfies B8Request);
  });
}

/**
 * B8: CPU of the host per command run. N runs of `sh -c "echo hi"` through a
 * real engine (4 jobs, overlap queue, 4 at a time), in a process of its own,
 * vs a bare child_process.spawn loop with the same concurrency in another;
 * each process's own utime + stime from /proc/<pid>/stat (its children's are
 * not counted), rounds alternating between the two.
 */
export const b8: Bench = async () => {
  if (process.platform !== 'linux') throw new Error('B8 reads /proc: it runs on Linux only');
  const dir = tempDir('b8');
  const engine = await start(['engine', dir, String(JOBS), String(CONCURRENCY)]);
  const script = await start(['script', dir, String(JOBS), String(CONCURRENCY)]);
  const bare = await start(['bare', String(CONCURRENCY)]);
  try {
    // One warm-up round each (JIT, the engine's first worker), not counted.
    await round(engine, 20);
    await round(script, 20);
    await round(bare, 20);
    const perRound = Math.ceil(RUNS / ROUNDS);
    const scriptRound = Math.ceil(SCRIPT_RUNS / ROUNDS);
    const total = {
      engine: { ticks: 0, wallMs: 0, runs: 0 },
      script: { ticks: 0, wallMs: 0, runs: 0 },
      bare: { ticks: 0, wallMs: 0, runs: 0 },
    };
    for (let i = 0; i < ROUNDS; i++) {
      for (const [side, child, runs] of [
        ['bare', bare, perRound],
        ['engine', engine, perRound],
        ['script', script, scriptRound],
      ] as const) {
        const reply = await round(child, runs);
        total[side].ticks += reply.ticks;
        total[side].wallMs += reply.wallMs;
        total[side].runs += runs;
      }
    }
    const runs = perRound * ROUNDS;
    const cpuMs = (side: keyof typeof total) =>
      (measured(`${side} CPU ticks`, total[side].ticks) * (1000 / CLK_TCK)) / total[side].runs;
    const rate = (side: keyof typeof total) =>
      total[side].runs / (measured(`${side} wall ms`, total[side].wallMs) / 1000);
    const engineCpu = cpuMs('engine');
    const bareCpu = cpuMs('bare');
    return {
      id: 'B8',
      title: `CPU per command run: ${runs} runs of \`sh -c "echo hi"\` (${JOBS} jobs, ${CONCURRENCY} at a time, ${ROUNDS} alternating rounds per side)`,
      rows: [
        {
          metric: 'host CPU per run',
          jobtray: engineCpu,
          baseline: bareCpu,
          baselineLabel: 'bare spawn loop',
          unit: 'ms',
          goal: '≤ 3× bare',
          pass: ratio(engineCpu, bareCpu) <= 3,
        },
        {
          metric: 'runs per second',
          jobtray: rate('engine'),
          baseline: rate('bare'),
          baselineLabel: 'bare spawn loop',
          unit: 'runs/s',
          goal: 'report',
          pass: true,
        },
        {
          metric: 'host CPU per run, no-op script jobs',
          jobtray: cpuMs('script'),
          baseline: null,
          baselineLabel: '',
          unit: 'ms',
          goal: 'report (no worse)',
          pass: true,
        },
      ],
      notes: [
        `CPU: utime + stime of the measuring process (every thread, not its children) from /proc/<pid>/stat, 1/${CLK_TCK} s ticks, summed over the rounds; one warm-up round of 20 runs per side first.`,
        'Jobtray: a real engine in a process of its own records every run (created, running, finished) and its output line in SQLite.',
        `Script jobs: ${SCRIPT_RUNS} runs of a no-op script job (4 jobs, 4 at a time) through a real engine in a third process, in the same rounds; each attempt gets a fresh worker thread.`,
      ],
    };
  } finally {
    for (const child of [engine, script, bare]) {
      const exited = new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      child.disconnect();
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
